import type { ModelTokenizer } from './load-tokenizer.js';

/**
 * The reference tokenizer: transformers.js `PreTrainedTokenizer` over a parsed `tokenizer.json`.
 * Used for tokenizers the fast WordPiece path does not cover, and as the oracle in its tests.
 * Measured here at about 0.66M tokens per CPU-second, 6 to 20 times slower than `WordPieceTokenizer`.
 */
export async function createTransformersTokenizer(
  id: string,
  tokenizerJson: unknown,
  tokenizerConfig: Record<string, unknown>,
): Promise<ModelTokenizer> {
  const { PreTrainedTokenizer } = await import('@huggingface/transformers');
  const tokenizer = new PreTrainedTokenizer(tokenizerJson as object, tokenizerConfig);
  const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });
  return { id, exact: true, encode, count: (text: string) => encode(text).length };
}
