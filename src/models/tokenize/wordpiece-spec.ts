import type { WordPieceSpec } from './wordpiece-tokenizer.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a Hugging Face `tokenizer.json` (and `tokenizer_config.json`) into a `WordPieceSpec` when the
 * fast tokenizer reproduces it exactly: model `WordPiece`, normaliser `BertNormalizer` with
 * `clean_text`, pre-tokeniser `BertPreTokenizer`, and added tokens that are matched verbatim
 * (not normalised, no lstrip/rstrip/single_word, no whitespace inside). Returns null otherwise,
 * and the caller falls back to transformers.js.
 */
export function wordPieceSpecFromJson(tokenizerJson: unknown, tokenizerConfig: Json = {}): WordPieceSpec | null {
  if (!isObject(tokenizerJson)) return null;
  const { model, normalizer, pre_tokenizer: preTokenizer } = tokenizerJson;
  if (!isObject(model) || model.type !== 'WordPiece' || !isObject(model.vocab)) return null;
  if (model.fuse_unk === true) return null;
  if (!isObject(normalizer) || normalizer.type !== 'BertNormalizer' || normalizer.clean_text !== true) return null;
  if (!isObject(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') return null;
  if (tokenizerConfig.remove_space === true || tokenizerConfig.do_lowercase_and_remove_accent === true) return null;

  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number') return null;
    vocab.set(token, id);
  }
  const addedTokens = new Map<string, number>();
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  for (const token of added) {
    if (!isObject(token) || typeof token.content !== 'string' || typeof token.id !== 'number') return null;
    if (token.normalized === true || token.lstrip === true || token.rstrip === true || token.single_word === true) return null;
    if (/\s/u.test(token.content) || token.content.length === 0) return null;
    addedTokens.set(token.content, token.id);
    vocab.set(token.content, token.id);
  }
  const unknownToken = typeof model.unk_token === 'string' ? model.unk_token : '[UNK]';
  if (!vocab.has(unknownToken)) return null;
  const stripAccents = normalizer.strip_accents;
  return {
    vocab,
    unknownToken,
    continuingSubwordPrefix: typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##',
    maxInputCharsPerWord: typeof model.max_input_chars_per_word === 'number' ? model.max_input_chars_per_word : 100,
    normalizer: {
      cleanText: true,
      handleChineseChars: normalizer.handle_chinese_chars === true,
      lowercase: normalizer.lowercase === true,
      stripAccents: typeof stripAccents === 'boolean' ? stripAccents : null,
    },
    addedTokens,
  };
}
