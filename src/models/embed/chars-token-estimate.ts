import type { TokenCounter } from '../tokenize/token-counter.js';

/**
 * Token estimate for embedders without a local tokenizer: one token per 3 characters, rounded up.
 * WordPiece/BPE tokenizers average about 4 characters per token on English prose and fewer on code,
 * so 3 over-counts slightly: packed chunks stay under a remote model's limit.
 */
export const charsTokenEstimate: TokenCounter = {
  id: 'estimate:chars/3',
  exact: false,
  count: (text: string) => Math.ceil(text.length / 3),
};
