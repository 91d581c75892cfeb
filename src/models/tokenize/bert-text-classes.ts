/**
 * Character classes of the BERT normaliser and pre-tokeniser, defined exactly as the reference
 * implementation (@huggingface/tokenizers `BertNormalizer`, `BertPreTokenizer`) defines them, so
 * that the fast tokenizer agrees with transformers.js id for id.
 */

/** ASCII punctuation ranges plus Unicode `P`: BERT splits every such character into its own token. */
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';

/** BertPreTokenizer: runs of non-space, non-punctuation characters, or one punctuation character. */
export const PRE_TOKEN_PATTERN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');

const CONTROL_PATTERN = /^(?:\p{Cc}|\p{Cf}|\p{Co}|\p{Cs})$/u;
const SPACE_PATTERN = /^\s$/u;
const MARK_NONSPACING = /\p{Mn}/gu;

/** True for the code points `clean_text` drops: NUL, U+FFFD and control/format/private/surrogate characters except tab, LF, CR. */
export function isRemovedChar(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code === 0 || code === 0xfffd) return true;
  if (char === '\t' || char === '\n' || char === '\r') return false;
  return CONTROL_PATTERN.test(char);
}

/**
 * 1 for each BMP code unit that `clean_text` turns into a space (and the pre-tokeniser then splits
 * on). No astral code point is whitespace. Built once from the same predicates as the reference.
 */
export const SPACE_TABLE: Uint8Array = (() => {
  const table = new Uint8Array(0x10000);
  for (let code = 0; code < 0x10000; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const char = String.fromCharCode(code);
    if (!isRemovedChar(char) && SPACE_PATTERN.test(char)) table[code] = 1;
  }
  return table;
})();

/** 1 for printable ASCII punctuation/symbols (each is a token of its own), by char code < 128. */
export const ASCII_PUNCTUATION: Uint8Array = (() => {
  const table = new Uint8Array(128);
  for (let code = 33; code < 127; code++) {
    const isDigit = code >= 48 && code <= 57;
    const isUpper = code >= 65 && code <= 90;
    const isLower = code >= 97 && code <= 122;
    if (!isDigit && !isUpper && !isLower) table[code] = 1;
  }
  return table;
})();

/** The CJK ideograph ranges BERT surrounds with spaces (BMP only: the reference tests UTF-16 code units). */
function isChineseCodeUnit(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

export interface BertNormalizerOptions {
  cleanText: boolean;
  handleChineseChars: boolean;
  lowercase: boolean;
  /** `null` follows `lowercase`, as in the reference. */
  stripAccents: boolean | null;
}

/** BertNormalizer on a piece of text, step for step as the reference does it (the slow, exact path). */
export function normalizeBert(text: string, options: BertNormalizerOptions): string {
  let result = text;
  if (options.cleanText) {
    let cleaned = '';
    for (const char of result) {
      if (isRemovedChar(char)) continue;
      cleaned += SPACE_PATTERN.test(char) ? ' ' : char;
    }
    result = cleaned;
  }
  if (options.handleChineseChars) {
    let padded = '';
    for (let index = 0; index < result.length; index++) {
      const code = result.charCodeAt(index);
      padded += isChineseCodeUnit(code) ? ` ${result[index]} ` : result[index];
    }
    result = padded;
  }
  if (options.lowercase) {
    result = result.toLowerCase();
    if (options.stripAccents !== false) result = result.normalize('NFD').replace(MARK_NONSPACING, '');
  } else if (options.stripAccents) {
    result = result.normalize('NFD').replace(MARK_NONSPACING, '');
  }
  return result;
}
