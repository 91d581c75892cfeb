import type { Citation } from '../../core/answer-types.js';
import type { TokenCounter } from '../../models/tokenize/token-counter.js';
import { mergeAdjacent, rankScore, type ContextChunk, type MergedSource } from './merge-adjacent.js';
import { dropNearDuplicates } from './near-duplicates.js';
import { renderSource } from './render-source.js';

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
  for (const source of merged) {
    if (citations.length >= options.maxSources) {
      dropped += source.chunks.length;
      continue;
    }
    const citation = toCitation(source, citations.length + 1);
    const separatorTokens = rendered.length > 0 ? 1 : 0;
    let text = renderSource(citation);
    let cost = estimateLlmTokens(options.tokenizer, text) + separatorTokens;
    if (cost > remaining) {
      const truncated = remaining >= MIN_TRUNCATED_SHARE * cost ? truncateToFit(citation, remaining - separatorTokens, options.tokenizer) : null;
      if (truncated === null) {
        dropped += source.chunks.length;
        continue;
      }
      citation.text = truncated;
      text = renderSource(citation);
      cost = estimateLlmTokens(options.tokenizer, text) + separatorTokens;
      if (cost > remaining) {
        dropped += source.chunks.length;
        continue;
      }
    }
    remaining -= cost;
    citations.push(citation);
    rendered.push(text);
  }
  const promptText = rendered.join('\n\n');
  return { citations, promptText, usedTokens: promptText ? estimateLlmTokens(options.tokenizer, promptText) : 0, dropped };
}

function uniqueById(chunks: readonly ContextChunk[]): ContextChunk[] {
  const seen = new Set<number>();
  return chunks.filter((chunk) => !seen.has(chunk.chunkId) && (seen.add(chunk.chunkId), true));
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
 * The longest prefix of the source's text, cut at a sentence end (or, when even the first sentence
 * is too long, at a word), whose rendering fits `budget`; null when not even a few words fit.
 */
function truncateToFit(citation: Citation, budget: number, tokenizer: TokenCounter): string | null {
  const original = citation.text;
  const headerCost = estimateLlmTokens(tokenizer, renderSource({ ...citation, text: '' })) + 2;
  const room = budget - headerCost;
  if (room <= 0) return null;
  const pieces = splitSentences(original);
  let kept = '';
  for (const piece of pieces) {
    const next = kept + piece;
    if (estimateLlmTokens(tokenizer, next) > room) break;
    kept = next;
  }
  if (kept.trim().length === 0) {
    const words = original.split(/\s+/).filter(Boolean);
    let low = 0;
    let high = words.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (estimateLlmTokens(tokenizer, words.slice(0, middle).join(' ')) <= room) low = middle;
      else high = middle - 1;
    }
    if (low < 3) return null;
    kept = words.slice(0, low).join(' ');
  }
  return `${kept.trimEnd()} …`;
}

/** Sentences with their trailing whitespace, so joining them gives back the text. */
function splitSentences(text: string): string[] {
  return text.match(/[^.!?。！？\n]*(?:[.!?。！？]+|\n+|$)\s*/g)?.filter((piece) => piece.length > 0) ?? [text];
}
