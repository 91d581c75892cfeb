import type { Citation } from '../../core/answer-types.js';
import { analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';
import { proseParagraphs } from './prose-paragraphs.js';
import { splitSentences } from './split-sentences.js';

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
 * Sentences are quoted as plain text (markup removed, see proseParagraphs) and never twice: a
 * sentence already quoted from an earlier source is passed over, and a source left with nothing
 * new is left out.
 */
export function extractiveAnswer(question: string, citations: readonly Citation[], options: ExtractiveOptions): string {
  const label = EXTRACTIVE_LABELS[options.reason];
  if (citations.length === 0) return `${label}\n\n${NO_SOURCES_TEXT}`;
  const terms = new Set(analyzeQuery(question));
  const quoted = new Set<string>();
  const passages: string[] = [];
  for (const citation of [...citations].sort((a, b) => a.n - b.n)) {
    if (passages.length >= (options.maxPassages ?? 3)) break;
    const text = bestSentences(citation.text, terms, options.maxSentences ?? 3, quoted);
    if (text.length > 0) passages.push(`${text} [${citation.n}]`);
  }
  if (passages.length === 0) return `${label}\n\n${NO_SOURCES_TEXT}`;
  return `${label}\n\n${passages.map((passage) => `- ${passage}`).join('\n')}`;
}

/** Without any query term in a passage, its leading sentences of at least this many words stand for it (not "a. b. c."). */
const MIN_FALLBACK_WORDS = 4;
/** A passage without prose (only code or a table of symbols) is quoted by its first line, at most this long. */
const MAX_FALLBACK_CHARS = 160;

/**
 * The `max` sentences sharing the most distinct query terms (ties: earlier first), in text order.
 * `quoted` (normalised sentences already used) is read and extended: a sentence in it is not chosen again.
 */
export function bestSentences(text: string, terms: ReadonlySet<string>, max: number, quoted: Set<string> = new Set()): string {
  const sentences = proseParagraphs(text).flatMap(splitSentences);
  if (sentences.length === 0) return firstLine(text, quoted);
  const seenHere = new Set<string>();
  const scored = [];
  for (const [index, sentence] of sentences.entries()) {
    const key = sentenceKey(sentence);
    if (quoted.has(key) || seenHere.has(key)) continue;
    seenHere.add(key);
    const words = new Set(analyzeQuery(sentence));
    let overlap = 0;
    for (const term of terms) if (words.has(term)) overlap++;
    scored.push({ sentence, index, overlap, key });
  }
  const anyOverlap = scored.some((entry) => entry.overlap > 0);
  const chosen = anyOverlap
    ? [...scored].sort((a, b) => b.overlap - a.overlap || a.index - b.index).slice(0, max).filter((entry) => entry.overlap > 0)
    : leadingSentences(scored, max);
  for (const entry of chosen) quoted.add(entry.key);
  return chosen
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.sentence)
    .join(' ');
}

function leadingSentences<T extends { sentence: string }>(scored: T[], max: number): T[] {
  const long = scored.filter((entry) => entry.sentence.split(' ').length >= MIN_FALLBACK_WORDS);
  return (long.length > 0 ? long : scored).slice(0, max);
}

/** Sentences equal up to case, whitespace and final punctuation are one sentence. */
function sentenceKey(sentence: string): string {
  return sentence.toLowerCase().replace(/[\s.!?。！？]+$/u, '').replace(/\s+/g, ' ');
}

function firstLine(text: string, quoted: Set<string>): string {
  const line = text.split('\n').map((entry) => entry.trim()).find((entry) => entry.length > 0 && !/^(?:`{3,}|~{3,})/.test(entry));
  if (line === undefined) return '';
  const key = sentenceKey(line);
  if (quoted.has(key)) return '';
  quoted.add(key);
  const cut = line.length > MAX_FALLBACK_CHARS ? `${line.slice(0, MAX_FALLBACK_CHARS - 1)}…` : line;
  return cut.includes('`') ? cut : `\`${cut}\``;
}
