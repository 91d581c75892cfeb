/**
 * The Porter (1980) stemmer exactly as SQLite's FTS5 `porter` tokenizer applies it (fts5_tokenize.c), so
 * that a query term can be mapped in JS to the stem FTS5 stored for it (fts5vocab lists stems).
 *
 * FTS5's variant differs from the paper in a few places, all reproduced here:
 * - tokens shorter than 3 or longer than 64 bytes pass through unchanged;
 * - it works on UTF-8 bytes: only `aeiou` (and `y` after a consonant) are vowels, any other byte is a consonant;
 * - step 2 has `logi` → `log` and `bli` → `ble` (instead of `abli` → `able`), as in Porter's later revision;
 * - step 1c turns a final `y` into `i` when the stem before it has a vowel, a `y` counting as one anywhere but first;
 * - in each step the first (longest) matching suffix is taken, and its condition alone decides.
 */

const MIN_BYTES = 3;
const MAX_BYTES = 64;

type Condition = (word: string, stemLength: number) => boolean;

interface Rule {
  suffix: string;
  replacement: string;
  condition: Condition;
}

function isVowel(c: string | undefined, yIsVowel: boolean): boolean {
  return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || (yIsVowel && c === 'y');
}

/**
 * Consumes one vowel run then one consonant of word[start, end) and returns the index after that
 * consonant, or -1 when there is no such VC pair. `previousConsonant` states whether word[start - 1]
 * counted as a consonant (it decides whether a leading `y` is a vowel).
 */
function skipVowelConsonant(word: string, start: number, end: number, previousConsonant: boolean): number {
  let consonant = previousConsonant;
  let i = start;
  for (; i < end; i++) {
    consonant = !isVowel(word[i], consonant);
    if (!consonant) break;
  }
  for (i++; i < end; i++) {
    consonant = !isVowel(word[i], consonant);
    if (consonant) return i + 1;
  }
  return -1;
}

/** m > 0: the stem word[0, n) holds at least one VC. */
const measureAbove0: Condition = (word, n) => skipVowelConsonant(word, 0, n, false) !== -1;

/** m > 1. */
const measureAbove1: Condition = (word, n) => {
  const first = skipVowelConsonant(word, 0, n, false);
  return first !== -1 && skipVowelConsonant(word, first, n, true) !== -1;
};

/** m = 1. */
function measureIs1(word: string, n: number): boolean {
  const first = skipVowelConsonant(word, 0, n, false);
  return first !== -1 && skipVowelConsonant(word, first, n, true) === -1;
}

/** *o: the stem ends consonant-vowel-consonant and the last consonant is not w, x or y. */
function endsCvc(word: string, n: number): boolean {
  const last = word[n - 1];
  if (last === 'w' || last === 'x' || last === 'y') return false;
  let mask = 0;
  let consonant = false;
  for (let i = 0; i < n; i++) {
    consonant = !isVowel(word[i], consonant);
    mask = ((mask << 1) | (consonant ? 1 : 0)) & 7;
  }
  return mask === 5;
}

/** *v*: the stem holds a vowel (a `y` anywhere but first counts). */
function hasVowel(word: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(word[i], i > 0)) return true;
  return false;
}

const measureAbove1EndsST: Condition = (word, n) => (word[n - 1] === 's' || word[n - 1] === 't') && measureAbove1(word, n);

function rules(condition: Condition, pairs: readonly (readonly [string, string])[]): Rule[] {
  return pairs.map(([suffix, replacement]) => ({ suffix, replacement, condition }));
}

const STEP2 = rules(measureAbove0, [
  ['ational', 'ate'], ['tional', 'tion'], ['enci', 'ence'], ['anci', 'ance'], ['izer', 'ize'], ['logi', 'log'],
  ['bli', 'ble'], ['alli', 'al'], ['entli', 'ent'], ['eli', 'e'], ['ousli', 'ous'], ['ization', 'ize'],
  ['ation', 'ate'], ['ator', 'ate'], ['alism', 'al'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'],
  ['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble'],
]);

const STEP3 = rules(measureAbove0, [
  ['ical', 'ic'], ['ness', ''], ['icate', 'ic'], ['iciti', 'ic'], ['ful', ''], ['ative', ''], ['alize', 'al'],
]);

const STEP4: Rule[] = [
  ...rules(measureAbove1, [
    ['al', ''], ['ance', ''], ['ence', ''], ['er', ''], ['ic', ''], ['able', ''], ['ible', ''], ['ant', ''],
    ['ement', ''], ['ment', ''], ['ent', ''],
  ]),
  { suffix: 'ion', replacement: '', condition: measureAbove1EndsST },
  ...rules(measureAbove1, [['ou', ''], ['ism', ''], ['ate', ''], ['iti', ''], ['ous', ''], ['ive', ''], ['ize', '']]),
];

/**
 * Applies the first rule whose suffix ends the word, leaving a non-empty stem; the rule's condition on
 * that stem decides whether it is replaced. Returns the new word and whether a suffix matched.
 */
function applyFirst(word: string, table: readonly Rule[]): string {
  for (const rule of table) {
    if (word.length > rule.suffix.length && word.endsWith(rule.suffix)) {
      const stem = word.length - rule.suffix.length;
      return rule.condition(word, stem) ? word.slice(0, stem) + rule.replacement : word;
    }
  }
  return word;
}

function step1a(word: string): string {
  const n = word.length;
  if (word[n - 1] !== 's') return word;
  if (word[n - 2] === 'e') {
    if ((n > 4 && word[n - 4] === 's' && word[n - 3] === 's') || (n > 3 && word[n - 3] === 'i')) return word.slice(0, n - 2);
    return word.slice(0, n - 1);
  }
  return word[n - 2] === 's' ? word : word.slice(0, n - 1);
}

/** Step 1b: eed → ee (m > 0); ed, ing removed when the stem has a vowel, then the clean-up of the stem. */
function step1b(word: string): string {
  let n = word.length;
  if (n > 3 && word.endsWith('eed')) return measureAbove0(word, n - 3) ? word.slice(0, n - 1) : word;
  let stem: string;
  if (n > 2 && word.endsWith('ed') && hasVowel(word, n - 2)) stem = word.slice(0, n - 2);
  else if (n > 3 && word.endsWith('ing') && hasVowel(word, n - 3)) stem = word.slice(0, n - 3);
  else return word;
  n = stem.length;
  if (n > 2 && (stem.endsWith('at') || stem.endsWith('bl') || stem.endsWith('iz'))) return `${stem}e`;
  const last = stem[n - 1];
  if (!isVowel(last, false) && last !== 'l' && last !== 's' && last !== 'z' && last === stem[n - 2]) return stem.slice(0, n - 1);
  if (measureIs1(stem, n) && endsCvc(stem, n)) return `${stem}e`;
  return stem;
}

function stemBytes(input: string): string {
  let word = step1b(step1a(input));
  if (word.endsWith('y') && hasVowel(word, word.length - 1)) word = `${word.slice(0, -1)}i`;
  word = applyFirst(applyFirst(applyFirst(word, STEP2), STEP3), STEP4);
  let n = word.length;
  if (word[n - 1] === 'e' && (measureAbove1(word, n - 1) || (measureIs1(word, n - 1) && !endsCvc(word, n - 1)))) n--;
  if (n > 1 && word[n - 1] === 'l' && word[n - 2] === 'l' && measureAbove1(word, n - 1)) n--;
  return word.slice(0, n);
}

/**
 * The stem FTS5's porter tokenizer emits for one token already produced by its inner tokenizer (for
 * unicode61: case-folded, diacritics removed, one word). Non-ASCII tokens are stemmed byte-wise like FTS5 does.
 */
export function porterStem(token: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the whole ASCII range, control characters included.
  if (/^[\x00-\x7f]*$/.test(token)) {
    return token.length < MIN_BYTES || token.length > MAX_BYTES ? token : stemBytes(token);
  }
  const bytes = Buffer.from(token, 'utf8');
  if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES) return token;
  // latin1 maps each byte to one char. FTS5 may cut a doubled non-ASCII byte in step 1b and so store
  // invalid UTF-8; such a stem decodes with U+FFFD here and will not be found (callers must tolerate misses).
  return Buffer.from(stemBytes(bytes.toString('latin1')), 'latin1').toString('utf8');
}
