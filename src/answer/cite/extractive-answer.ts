import type { Citation } from '../../core/answer-types.js';
import { analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';

/** Why the answer is extractive; each gives the label the answer starts with. */
export type ExtractiveReason = 'no-model' | 'unreachable';

export const EXTRACTIVE_LABELS: Record<ExtractiveReason, string> = {
  'no-model': 'No language model is configured; here are the most relevant passages:',
  unreachable: 'The language model is unreachable; here are the most relevant passages:',
};

export const NO_SOURCES_TEXT = 'No passages in the collection match the question.';

export interface ExtractiveOptions {
  reason: ExtractiveReason;
  /** Passages shown at most (one per source, best sources first). */
  maxPassages?: number;
  /** Sentences kept per passage at most. */
  maxSentences?: number;
}

/**
 * The best passages instead of a generated answer: for each of the top sources, the sentences with
 * the most query-term overlap (kept in their original order), followed by the source's [n].
 */
export function extractiveAnswer(question: string, citations: readonly Citation[], options: ExtractiveOptions): string {
  const label = EXTRACTIVE_LABELS[options.reason];
  if (citations.length === 0) return `${label}\n\n${NO_SOURCES_TEXT}`;
  const terms = new Set(analyzeQuery(question));
  const passages = [...citations]
    .sort((a, b) => a.n - b.n)
    .slice(0, options.maxPassages ?? 3)
    .map((citation) => `${bestSentences(citation.text, terms, options.maxSentences ?? 3)} [${citation.n}]`);
  return `${label}\n\n${passages.map((passage) => `- ${passage}`).join('\n')}`;
}

/** Without any query term in a passage, its leading sentences of at least this many words stand for it (not "a. b. c."). */
const MIN_FALLBACK_WORDS = 4;

/** The `max` sentences sharing the most distinct query terms (ties: earlier first), in text order. */
export function bestSentences(text: string, terms: ReadonlySet<string>, max: number): string {
  const sentences = (text.match(/[^.!?。！？\n]+(?:[.!?。！？]+|$)/g) ?? [])
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length > 0);
  if (sentences.length === 0) return text.replace(/\s+/g, ' ').trim();
  const scored = sentences.map((sentence, index) => {
    const words = new Set(analyzeQuery(sentence));
    let overlap = 0;
    for (const term of terms) if (words.has(term)) overlap++;
    return { sentence, index, overlap };
  });
  const anyOverlap = scored.some((entry) => entry.overlap > 0);
  const chosen = anyOverlap
    ? [...scored].sort((a, b) => b.overlap - a.overlap || a.index - b.index).slice(0, max).filter((entry) => entry.overlap > 0)
    : leadingSentences(scored, max);
  return chosen
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.sentence)
    .join(' ');
}

function leadingSentences<T extends { sentence: string }>(scored: T[], max: number): T[] {
  const long = scored.filter((entry) => entry.sentence.split(' ').length >= MIN_FALLBACK_WORDS);
  return (long.length > 0 ? long : scored).slice(0, max);
}
