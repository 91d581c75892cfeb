import type { CairnError } from '../core/cairn-error.js';
import type { EmbedOptions, EmbedResult, Embedder } from '../models/embed/embedder.js';
import { analyzeQuery } from '../models/tokenize/lexical-analyzer.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';

export interface FakeEmbedderOptions {
  id?: string;
  dimensions?: number;
  /** When set, every call rejects with it (an embedder that became unavailable). */
  failWith?: CairnError;
}

/**
 * A deterministic bag-of-words embedder for tests: each analyzed term adds ±1 to a dimension picked by
 * a string hash, then the vector is L2-normalised. Texts sharing words get a higher cosine, which is all
 * retrieval tests need. Counts calls so tests can check what was embedded.
 */
export class FakeEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxTokens = 512;
  readonly maxBatchSize = 32;
  readonly tokenizer: TokenCounter = {
    id: 'fake:words',
    exact: false,
    count: (text: string) => text.split(/\s+/).filter(Boolean).length,
  };
  queryCalls = 0;
  embedCalls = 0;
  private readonly failWith: CairnError | undefined;

  constructor(options: FakeEmbedderOptions = {}) {
    this.id = options.id ?? 'fake:hash-64';
    this.dimensions = options.dimensions ?? 64;
    this.failWith = options.failWith;
  }

  async embed(options: EmbedOptions): Promise<EmbedResult> {
    this.embedCalls++;
    if (this.failWith) throw this.failWith;
    return { vectors: options.texts.map((text) => this.vectorOf(text)) };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    this.queryCalls++;
    if (this.failWith) throw this.failWith;
    return this.vectorOf(text);
  }

  vectorOf(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const term of analyzeQuery(text)) {
      let hash = 2166136261;
      for (let index = 0; index < term.length; index++) hash = Math.imul(hash ^ term.charCodeAt(index), 16777619);
      const slot = (hash >>> 1) % this.dimensions;
      vector[slot] = (vector[slot] as number) + (hash & 1 ? 1 : -1);
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm > 0) for (let index = 0; index < vector.length; index++) vector[index] = (vector[index] as number) / Math.sqrt(norm);
    return vector;
  }
}
