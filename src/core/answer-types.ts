import type { SearchMode } from './search-types.js';

/** One numbered source of an answer: what [n] in the text points to. */
export interface Citation {
  /** The number used in the answer text: [1], [2], … */
  n: number;
  /** `chunk`: retrieved from the collection; `memory` and `turn` are added by the memory service later. */
  kind: 'chunk' | 'memory' | 'turn';
  /** Chunks merged into this source (adjacent chunks of one document become one source). */
  chunkIds: number[];
  documentId?: number;
  sourceUri: string;
  title: string;
  headingPath: string[];
  /** Fragment of the cited section (`sourceUri#anchor`) when the source states heading ids. */
  anchor?: string;
  pageStart?: number;
  pageEnd?: number;
  lineStart?: number;
  lineEnd?: number;
  /** The text given to the model for this source. */
  text: string;
  /** Relevance used to order sources (reranker score when reranked, else fused retrieval score). */
  score: number;
}

export interface AnswerTimings {
  retrievalMs: number;
  /** 0 when no reranker ran. */
  rerankMs: number;
  contextMs: number;
  /** Cairn's own work before the request left: retrieval + rerank + context + prompt. */
  preparationMs: number;
  /** From the start of the answer to the first text delta (includes retrieval and rerank). */
  ttftMs?: number;
  decodeMs?: number;
  tokensPerSecond?: number;
  promptTokens?: number;
  completionTokens?: number;
  totalMs: number;
}

/** What retrieval found for an answer, before the context budget kept `citations` of it (for search analytics). */
export interface RetrievalSummary {
  /** The mode that ran (hybrid and dense fall back to lexical without vectors). */
  mode: SearchMode;
  resultCount: number;
  /** See topMatchScore (src/retrieve/top-match-score.ts). */
  topScore: number | null;
}

/** The typed stream of an answer. Server-Sent Events exist only at the HTTP edge. */
export type AnswerPart =
  | { type: 'sources'; citations: Citation[]; retrieval?: RetrievalSummary }
  | { type: 'notice'; text: string }
  | { type: 'text-delta'; text: string }
  | {
      type: 'finish';
      answer: string;
      /** True when the answer is the best passages, not generated (no LLM, or every endpoint down). */
      extractive: boolean;
      /** Citations actually referenced in the text (all sources for an extractive answer). */
      citations: Citation[];
      finishReason: string;
      model?: string;
      endpoint?: string;
      timings: AnswerTimings;
    }
  | { type: 'error'; error: { code: string; message: string; retryable: boolean } };
