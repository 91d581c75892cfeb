import { CairnError } from '../../core/cairn-error.js';
import { estimateTokenCounter } from '../tokenize/estimate-token-counter.js';
import type { Embedder } from './embedder.js';

function lexicalOnly(): CairnError {
  return new CairnError('DENSE_UNAVAILABLE', 'The `none` embedder makes no vectors (lexical-only).', {
    hint: 'Search with --mode lexical, or set CAIRN_EMBEDDER to an onnx:, static: or openai: embedder and run `cairn reembed`.',
  });
}

/** Lexical-only: no vectors. Chunk budgets are counted with the token estimate. */
export function createNoneEmbedder(): Embedder {
  return {
    id: 'none',
    dimensions: 0,
    maxTokens: 512,
    maxBatchSize: 4096,
    tokenizer: estimateTokenCounter,
    embed: async () => {
      throw lexicalOnly();
    },
    embedQuery: async () => {
      throw lexicalOnly();
    },
  };
}
