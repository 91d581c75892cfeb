import { CairnError } from '../core/cairn-error.js';
import type { RerankOptions, RerankResult, Reranker } from '../models/rerank/reranker.js';
import { analyzeQuery } from '../models/tokenize/lexical-analyzer.js';

export interface FakeRerankerOptions {
  /** Score of one (query, document) pair; default: distinct query terms found in the document. */
  score?: (query: string, document: string) => number;
  maxBatchSize?: number;
  failWith?: CairnError;
}

/** A deterministic Reranker for tests; records every call's documents. */
export class FakeReranker implements Reranker {
  readonly id = 'fake:reranker';
  readonly maxBatchSize: number;
  readonly maxTokens = 512;
  readonly calls: RerankOptions[] = [];
  private readonly options: FakeRerankerOptions;

  constructor(options: FakeRerankerOptions = {}) {
    this.options = options;
    this.maxBatchSize = options.maxBatchSize ?? 16;
  }

  async rerank(options: RerankOptions): Promise<RerankResult> {
    this.calls.push(options);
    if (options.signal?.aborted) throw new CairnError('ABORTED', 'The rerank was cancelled.');
    if (this.options.failWith) throw this.options.failWith;
    const score = this.options.score ?? termOverlap;
    return { scores: options.documents.map((document) => score(options.query, document)) };
  }
}

function termOverlap(query: string, document: string): number {
  const words = new Set(analyzeQuery(document));
  return analyzeQuery(query).filter((term) => words.has(term)).length;
}
