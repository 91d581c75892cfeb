import type { TokenCounter } from '../tokenize/token-counter.js';

/**
 * An embedding model behind Cairn's own small interface (Vercel AI SDK's EmbeddingModel is the model).
 * Implementations: `onnx:` (transformers.js in-process), `static:` (model2vec), `openai:` (HTTP), `none`.
 * Vectors are L2-normalised so that dot product = cosine similarity.
 */
export interface Embedder {
  /** The id recorded on a collection (`onnx:Xenova/all-MiniLM-L6-v2`); a different id on the same collection needs `cairn reembed`. */
  readonly id: string;
  /** Output dimension; 0 for the lexical-only `none` embedder. */
  readonly dimensions: number;
  /** Longest input in tokens the model can see; chunks are never packed beyond it. */
  readonly maxTokens: number;
  /** Where an in-process model computes (`cpu`, `cuda`); absent for a remote server and `none`. */
  readonly device?: 'cpu' | 'cuda';
  /** The most texts one `embed` call should receive; callers batch to this. */
  readonly maxBatchSize: number;
  /** Counts tokens the way the model does; used by the chunker to pack to a token budget. */
  readonly tokenizer: TokenCounter;
  embed(options: EmbedOptions): Promise<EmbedResult>;
  /** Embeds a search query; models with query/passage prefixes apply them here. */
  embedQuery(text: string, signal?: AbortSignal): Promise<Float32Array>;
  /**
   * Embeds texts already tokenized with `tokenizer.encode` (ids without special tokens), one vector
   * per id list, in order. Only embedders whose cost is dominated by tokenizing offer it (`static:`),
   * so the ingest pipeline can tokenize each chunk once.
   */
  embedTokenIds?(ids: number[][]): Float32Array[];
  close?(): Promise<void>;
}

export interface EmbedOptions {
  texts: string[];
  signal?: AbortSignal;
}

export interface EmbedResult {
  /** One L2-normalised vector per input text, in input order. */
  vectors: Float32Array[];
  /** Tokens the model consumed, when known (used for tokens/s). */
  tokens?: number;
}
