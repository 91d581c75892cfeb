/**
 * Counts and splits text in the tokens of a model. The chunker packs to budgets counted with it.
 * `exact` is false for the estimator used when a model's tokenizer is not available (lexical-only).
 */
export interface TokenCounter {
  readonly id: string;
  readonly exact: boolean;
  /**
   * True when counts add up across whitespace: `count(a + ' ' + b) === count(a) + count(b)` for any
   * `a`, `b` (and with '\n' or several whitespace characters in between). Lets the chunker sum
   * piece counts instead of re-counting joined text. Absent means false.
   */
  readonly additive?: boolean;
  /** Number of tokens of `text` without special tokens ([CLS]/[SEP]). */
  count(text: string): number;
  /**
   * Token ids of `text` without special tokens; only exact tokenizers provide it.
   * The static embedder reuses these ids instead of tokenizing twice.
   */
  encode?(text: string): number[];
}
