/**
 * Text analysis for the lexical (BM25) arm. The store indexes `analyzeForIndex(text)` in an FTS5 table
 * declared with `tokenize='porter unicode61 remove_diacritics 2'`; FTS5 then stems (Porter) and folds
 * diacritics itself, so both functions here emit lower-cased, unstemmed terms.
 *
 * Term rules (the same for documents and queries, so that they meet in the index):
 * - A word is a maximal run of Unicode letters, marks and digits; any other character separates words,
 *   except `_` and `-` between two words, which join them into one identifier (`snake_case`, `kebab-case`).
 * - An identifier is split at `_`/`-`, at lower→upper (`getUser`), at the last capital of a capital run
 *   followed by lower case (`HTTPServer` → `http server`) and at digit→upper (`http2Server` → `http2 server`).
 *   Digits stay attached to the letters before them (`base64`, `ipv6`, `sha256`), because those are names.
 * - A split identifier emits its parts AND its parts joined (`getUserName` → `get user name getusername`),
 *   so a query spelled either way finds it.
 * - CJK runs (Han, Hiragana, Katakana, Hangul) have no spaces between words; they are emitted as
 *   overlapping character bigrams (the CJKAnalyzer approach in Lucene), a single character alone.
 * - Stop words: Lucene's English set (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, 33 words). A small set:
 *   BM25's idf already discounts common words, and code needs words like `get` and `do`.
 *   Parts of an identifier are dropped when they are stop words (`is_valid` → `valid isvalid`).
 * - Terms longer than MAX_TERM_LENGTH are dropped (base64 blobs, hashes and minified code only bloat the index).
 *
 * Speed matters: analyzeForIndex runs over every chunk at ingest. The ASCII lower-case path avoids
 * any splitting work; the measured rate is in lexical-analyzer.test.ts.
 */

/** Longest term kept, in UTF-16 code units. */
export const MAX_TERM_LENGTH = 64;

/** Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET). */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no',
  'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this',
  'to', 'was', 'will', 'with',
]);

/** Longer terms skip the stop-word lookup (which would hash every term). */
const MAX_STOP_WORD_LENGTH = Math.max(...[...STOP_WORDS].map((word) => word.length));

const WORD = /[\p{L}\p{M}\p{N}]+(?:[_-]+[\p{L}\p{M}\p{N}]+)*/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
/** Identifier part boundaries: `_`/`-` runs, lower→Upper, UPPER→Upper+lower, digit→Upper. */
const PART_SPLIT = /[_-]+|(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})|(?<=\p{N})(?=\p{Lu})/u;

/** Space-separated terms for the FTS5 column. Order follows the text; repeats are kept (term frequency). */
export function analyzeForIndex(text: string): string {
  const out: string[] = [];
  analyzeInto(text, out);
  return out.join(' ');
}

/** The distinct terms of a query, in first-seen order. */
export function analyzeQuery(text: string): string[] {
  const out: string[] = [];
  analyzeInto(text, out);
  return [...new Set(out)];
}

const SEPARATOR = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;
const JOINER = 4;
/** Called as `charCodeAt.call(text, index)`: keeps the per-character load monomorphic (see wordpiece-tokenizer.ts). */
const charCodeAt = String.prototype.charCodeAt;

/** Character class of each ASCII code. */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 97 && c <= 122) ASCII_CLASS[c] = LOWER;
  else if (c >= 65 && c <= 90) ASCII_CLASS[c] = UPPER;
  else if (c >= 48 && c <= 57) ASCII_CLASS[c] = DIGIT;
  else if (c === 95 || c === 45) ASCII_CLASS[c] = JOINER;
  else ASCII_CLASS[c] = SEPARATOR;
}

/**
 * Scans ASCII words with a class table (the common case in docs and code) and hands any word that
 * touches a non-ASCII character to the Unicode regex, which gives the same word boundaries.
 */
function analyzeInto(text: string, out: string[]): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    const first = charCodeAt.call(text, i);
    if (first >= 128) {
      i = analyzeUnicodeWord(text, i, out);
      continue;
    }
    const firstClass = ASCII_CLASS[first] as number;
    if (firstClass === SEPARATOR || firstClass === JOINER) {
      i++;
      continue;
    }
    const start = i;
    let uppers = firstClass === UPPER ? 1 : 0;
    let joined = false;
    let unicode = false;
    i++;
    while (i < length) {
      const code = charCodeAt.call(text, i);
      if (code >= 128) {
        unicode = true;
        break;
      }
      const cls = ASCII_CLASS[code] as number;
      if (cls === LOWER || cls === DIGIT) i++;
      else if (cls === UPPER) {
        uppers++;
        i++;
      } else if (cls === JOINER) {
        let next = i + 1;
        while (next < length && charCodeAt.call(text, next) < 128 && ASCII_CLASS[charCodeAt.call(text, next)] === JOINER) next++;
        if (next >= length) break;
        const after = charCodeAt.call(text, next);
        if (after >= 128) {
          unicode = true;
          break;
        }
        const afterClass = ASCII_CLASS[after] as number;
        if (afterClass === SEPARATOR || afterClass === JOINER) break;
        joined = true;
        i = next;
      } else break;
    }
    if (unicode) {
      i = analyzeUnicodeWord(text, start, out);
    } else if (uppers === 0 && !joined) {
      pushTerm(text.slice(start, i), out);
    } else if (!joined && uppers === 1 && firstClass === UPPER) {
      pushTerm(text.slice(start, i).toLowerCase(), out);
    } else {
      splitAsciiIdentifier(text, start, i, out);
    }
  }
}

/** splitIdentifier for an all-ASCII word `text[start, end)`, by character class instead of a regex. */
function splitAsciiIdentifier(text: string, start: number, end: number, out: string[]): void {
  let joined = '';
  let parts = 0;
  let partStart = start;
  let previous = SEPARATOR;
  for (let index = start; index <= end; index++) {
    const cls = index < end ? (ASCII_CLASS[text.charCodeAt(index)] as number) : SEPARATOR;
    let boundary = cls === JOINER || cls === SEPARATOR;
    if (!boundary && cls === UPPER && index > partStart) {
      if (previous === LOWER || previous === DIGIT) boundary = true;
      else if (previous === UPPER && index + 1 < end && ASCII_CLASS[text.charCodeAt(index + 1)] === LOWER) boundary = true;
    }
    if (boundary && index > partStart) {
      const part = text.slice(partStart, index).toLowerCase();
      joined += part;
      parts++;
      pushTerm(part, out);
    }
    if (cls === JOINER) partStart = index + 1;
    else if (boundary) partStart = index;
    previous = cls;
  }
  if (parts > 1) pushTerm(joined, out);
}

/** Analyzes the next Unicode word at or after `from`; returns the index after it. */
function analyzeUnicodeWord(text: string, from: number, out: string[]): number {
  WORD.lastIndex = from;
  const match = WORD.exec(text);
  if (match === null) return text.length;
  const word = match[0];
  if (CJK.test(word)) splitCjk(word, out);
  else splitIdentifier(word, out);
  return match.index + word.length;
}

function pushTerm(term: string, out: string[]): void {
  if (term.length <= MAX_TERM_LENGTH && (term.length > MAX_STOP_WORD_LENGTH || !STOP_WORDS.has(term))) out.push(term);
}

function splitIdentifier(word: string, out: string[]): void {
  const parts = word.split(PART_SPLIT);
  if (parts.length === 1) {
    pushTerm(word.toLowerCase(), out);
    return;
  }
  let joined = '';
  for (const part of parts) {
    if (part.length === 0) continue;
    const lower = part.toLowerCase();
    joined += lower;
    pushTerm(lower, out);
  }
  pushTerm(joined, out);
}

/** Non-CJK stretches of the word go through identifier splitting; CJK stretches become bigrams. */
function splitCjk(word: string, out: string[]): void {
  let last = 0;
  CJK_RUN.lastIndex = 0;
  for (let match = CJK_RUN.exec(word); match !== null; match = CJK_RUN.exec(word)) {
    if (match.index > last) splitOtherSegment(word.slice(last, match.index), out);
    const run = Array.from(match[0]);
    if (run.length === 1) out.push(run[0] as string);
    for (let i = 0; i + 1 < run.length; i++) out.push((run[i] as string) + (run[i + 1] as string));
    last = match.index + match[0].length;
  }
  if (last < word.length) splitOtherSegment(word.slice(last), out);
}

function splitOtherSegment(segment: string, out: string[]): void {
  const trimmed = segment.replace(/^[_-]+|[_-]+$/g, '');
  if (trimmed.length > 0) splitIdentifier(trimmed, out);
}
