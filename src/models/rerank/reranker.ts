import type { TokenCounter } from '../tokenize/token-counter.js';

/**
 * A cross-encoder that scores (query, passage) pairs; higher is more relevant. Implementations: a local
 * ONNX cross-encoder (transformers.js) and any server speaking the vLLM / TEI / Cohere `/rerank` API.
 * Callers cap the candidates (default 50) and batch to `maxBatchSize`.
 */
export interface Reranker {
  /** `onnx:Xenova/ms-marco-MiniLM-L-6-v2`, `http:<url>#<model>`. */
  readonly id: string;
  readonly maxBatchSize: number;
  /** Where a local model runs (`cpu`, `cuda`); absent for a remote server. */
  readonly device?: 'cpu' | 'cuda';
  /** Longest query + passage pair the model reads, in its tokens; longer passages are truncated. */
  readonly maxTokens: number;
  readonly tokenizer?: TokenCounter;
  rerank(options: RerankOptions): Promise<RerankResult>;
  close?(): Promise<void>;
}

export interface RerankOptions {
  query: string;
  documents: string[];
  signal?: AbortSignal;
}

export interface RerankResult {
  /** One relevance score per document, in input order. */
  scores: number[];
}
