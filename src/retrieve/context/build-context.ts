import type { Citation } from '../../core/answer-types.js';
import type { TokenCounter } from '../../models/tokenize/token-counter.js';
import { mergeAdjacent, rankScore, type ContextChunk, type MergedSource } from './merge-adjacent.js';
import { dropNearDuplicates } from './near-duplicates.js';
import { renderSource, sourceHeader } from './render-source.js';

/**
 * Budgets are in the language model's tokens, but the only tokenizer at hand is the collection's
 * embedder tokenizer (WordPiece for MiniLM). BPE tokenizers of chat models mostly need fewer tokens
 * than WordPiece for English prose and up to ~20% more for code, numbers and non-Latin scripts, so
 * every count is multiplied by this factor: overshooting the window fails the request, undershooting
 * only leaves a little room unused.
 */
export const TOKEN_SAFETY_FACTOR = 1.2;

/** Jaccard similarity of word 3-shingles at or above which two chunks are the same passage. */
export const NEAR_DUPLICATE_THRESHOLD = 0.8;

/** A source that does not fit whole is truncated when at least this share of it fits, else dropped. */
export const MIN_TRUNCATED_SHARE = 0.4;

export interface BuildContextOptions {
  tokenizer: TokenCounter;
  /** Room for all rendered sources, in (estimated) language-model tokens. */
  budgetTokens: number;
  maxSources: number;
}

export interface BuiltContext {
  /** Numbered 1..n in descending score order; `text` is what the model sees. */
  citations: Citation[];
  /** The rendered sources, separated by blank lines. */
  promptText: string;
  /** Estimated language-model tokens of `promptText` (with the safety factor). */
  usedTokens: number;
  /** Chunks left out: near-duplicates, and sources over `maxSources` or the budget. */
  dropped: number;
}

/** Estimated language-model tokens of a text: the collection tokenizer's count times the safety factor. */
export function estimateLlmTokens(tokenizer: TokenCounter, text: string): number {
  return Math.ceil(tokenizer.count(text) * TOKEN_SAFETY_FACTOR);
}

/**
 * Pure: dedupe → merge adjacent chunks of one document → fit the budget greedily by score → number.
 * Greedy by score means a lower-scored source that fits may follow a better one that did not.
 */
export function buildContext(chunks: readonly ContextChunk[], options: BuildContextOptions): BuiltContext {
  const unique = uniqueById(chunks);
  const { kept, dropped: duplicates } = dropNearDuplicates(unique, (chunk) => chunk.text, rankScore, NEAR_DUPLICATE_THRESHOLD);
  const merged = mergeAdjacent(kept);
  let dropped = duplicates + (chunks.length - unique.length);
  let remaining = options.budgetTokens;
  const citations: Citation[] = [];
  const rendered: string[] = [];
  // Counted piecewise (header, text, separators) rather than re-counting the joined prompt: the pieces
  // are split at whitespace, where counts add up, and counting is most of this function's time.
  const count = (text: string) => estimateLlmTokens(options.tokenizer, text);
  for (const source of merged) {
    if (citations.length >= options.maxSources) {
      dropped += source.chunks.length;
      continue;
    }
    const citation = toCitation(source, citations.length + 1);
    const overhead = count(sourceHeader(citation)) + SEPARATOR_TOKENS;
    const textCost = count(citation.text);
    if (overhead + textCost > remaining) {
      const truncated = remaining >= MIN_TRUNCATED_SHARE * (overhead + textCost) ? truncateToFit(citation.text, remaining - overhead, count) : null;
      if (truncated === null) {
        dropped += source.chunks.length;
        continue;
      }
      citation.text = truncated.text;
      remaining -= overhead + truncated.tokens;
    } else {
      remaining -= overhead + textCost;
    }
    citations.push(citation);
    rendered.push(renderSource(citation));
  }
  return { citations, promptText: rendered.join('\n\n'), usedTokens: options.budgetTokens - remaining, dropped };
}

/** Tokens charged per source for the line break after its header and the blank line after it. */
const SEPARATOR_TOKENS = 2;

function uniqueById(chunks: readonly ContextChunk[]): ContextChunk[] {
  const seen = new Set<number>();
  return chunks.filter((chunk) => {
    if (seen.has(chunk.chunkId)) return false;
    seen.add(chunk.chunkId);
    return true;
  });
}

function toCitation(source: MergedSource, n: number): Citation {
  const first = source.chunks[0] as ContextChunk;
  const citation: Citation = {
    n,
    kind: 'chunk',
    chunkIds: source.chunks.map((chunk) => chunk.chunkId),
    documentId: first.documentId,
    sourceUri: first.sourceUri,
    title: first.title,
    headingPath: first.headingPath,
    text: source.text,
    score: source.score,
  };
  if (first.anchor !== undefined) citation.anchor = first.anchor;
  const range = (pick: (chunk: ContextChunk) => number | undefined, reduce: (...values: number[]) => number) => {
    const values = source.chunks.map(pick).filter((value): value is number => value !== undefined);
    return values.length > 0 ? reduce(...values) : undefined;
  };
  const pageStart = range((chunk) => chunk.pageStart, Math.min);
  const pageEnd = range((chunk) => chunk.pageEnd ?? chunk.pageStart, Math.max);
  const lineStart = range((chunk) => chunk.lineStart, Math.min);
  const lineEnd = range((chunk) => chunk.lineEnd ?? chunk.lineStart, Math.max);
  if (pageStart !== undefined) citation.pageStart = pageStart;
  if (pageEnd !== undefined) citation.pageEnd = pageEnd;
  if (lineStart !== undefined) citation.lineStart = lineStart;
  if (lineEnd !== undefined) citation.lineEnd = lineEnd;
  return citation;
}

/**
 * The longest prefix of `text`, cut at a sentence end (or, when even the first sentence is too long,
 * at a word), that fits `room` tokens with the " …" marking the cut; null when fewer than 3 words fit.
 */
function truncateToFit(text: string, room: number, count: (text: string) => number): { text: string; tokens: number } | null {
  const available = room - ELLIPSIS_TOKENS;
  if (available <= 0) return null;
  let kept = '';
  let tokens = 0;
  for (const sentence of splitSentences(text)) {
    const cost = count(sentence);
    if (tokens + cost > available) break;
    kept += sentence;
    tokens += cost;
  }
  if (kept.trim().length === 0) {
    const words = text.split(/\s+/).filter(Boolean);
    kept = '';
    tokens = 0;
    for (const word of words) {
      const cost = count(word);
      if (tokens + cost > available) break;
      kept += `${word} `;
      tokens += cost;
    }
    if (kept.split(' ').length - 1 < 3) return null;
  }
  return { text: `${kept.trimEnd()} …`, tokens: tokens + ELLIPSIS_TOKENS };
}

/** Tokens of the " …" that marks a cut. */
const ELLIPSIS_TOKENS = 2;

/** Sentences with their trailing whitespace, so joining them gives back the text. */
function splitSentences(text: string): string[] {
  return text.match(/[^.!?。！？\n]*(?:[.!?。！？]+|\n+|$)\s*/g)?.filter((piece) => piece.length > 0) ?? [text];
}
