/**
 * A short excerpt of a chunk around the query's terms, for result lists, with the matching words as
 * offsets (the caller renders them: bold in a terminal, `<mark>` in HTML, nothing in a pipe).
 *
 * Contract:
 * - Whitespace runs are collapsed to one space first; `maxChars` bounds the characters taken from that
 *   text (the `…` at cut ends is not counted).
 * - `highlights` are `[start, end)` offsets into `text` in UTF-16 code units (JavaScript string
 *   indexes), sorted, non-overlapping, each covering one whole matching word.
 * - The excerpt is the window holding the most distinct query terms (then the most matches, then the
 *   earliest); it is centred on those matches and never cut inside a whitespace-delimited token, unless
 *   a single token is longer than the window.
 * - A word matches a term when the word, lower-cased, starts with the term's crude stem (common English
 *   suffixes stripped, at least 3 letters kept), so `rotate` marks `rotating` and `rotation`; terms of
 *   1-2 letters must equal the word. camelCase words also match on their parts (`user` marks `getUser`).
 *   This is a display heuristic, not the index's Porter stemmer: it only has to be fast and plausible.
 * - With no match, the start of the text and no highlight.
 */
export interface Snippet {
  text: string;
  highlights: Array<[start: number, end: number]>;
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
/** Whitespace runs other than a single plain space (most text has few, so `replace` does little). */
const WHITESPACE_TO_COLLAPSE = /\s{2,}|[^\S ]/g;
const SUFFIXES = ['ational', 'ization', 'ations', 'ation', 'ings', 'ing', 'ies', 'ied', 'ed', 'es', 'ly', 's', 'e'];
const ELLIPSIS = '…';

interface Match {
  start: number;
  end: number;
  term: number;
}

export function makeSnippet(text: string, queryTerms: readonly string[], maxChars = 240): Snippet {
  const flat = text.replace(WHITESPACE_TO_COLLAPSE, ' ').trim();
  if (flat.length === 0 || maxChars <= 0) return { text: '', highlights: [] };
  const stems = queryTerms.map((term) => stemPrefix(term.toLowerCase())).filter((stem) => stem.length > 0);
  const matches = stems.length === 0 ? [] : findMatches(flat, stems);
  if (matches.length === 0) {
    const end = flat.length <= maxChars ? flat.length : snapEnd(flat, maxChars, 0);
    return { text: flat.slice(0, end).trimEnd() + (end < flat.length ? ELLIPSIS : ''), highlights: [] };
  }
  const [first, last] = bestWindow(matches, maxChars);
  const spanStart = (matches[first] as Match).start;
  const spanEnd = Math.min((matches[last] as Match).end, spanStart + maxChars);
  const slack = maxChars - (spanEnd - spanStart);
  let start = Math.max(0, spanStart - Math.floor(slack / 2));
  let end = Math.min(flat.length, start + maxChars);
  start = Math.max(0, end - maxChars);
  start = snapStart(flat, start, spanStart);
  end = snapEnd(flat, end, spanEnd);

  // The window starts and ends at word boundaries or spaces; leading and trailing spaces are dropped.
  while (start < end && flat[start] === ' ') start++;
  while (end > start && flat[end - 1] === ' ') end--;
  const prefix = start > 0 ? ELLIPSIS : '';
  const highlights: Snippet['highlights'] = [];
  for (let index = first; index <= last; index++) {
    const match = matches[index] as Match;
    if (match.start < start || match.end > end) continue;
    highlights.push([prefix.length + match.start - start, prefix.length + match.end - start]);
  }
  return { text: prefix + flat.slice(start, end) + (end < flat.length ? ELLIPSIS : ''), highlights };
}

/** The term with one common English suffix removed, keeping at least 3 characters. */
function stemPrefix(term: string): string {
  for (const suffix of SUFFIXES) {
    if (term.endsWith(suffix) && term.length - suffix.length >= 3) return term.slice(0, term.length - suffix.length);
  }
  return term;
}

/**
 * Finds each stem with indexOf in the lower-cased text (much cheaper than visiting every word) and
 * keeps the occurrences that start a word or a camelCase part; a match covers its whole word.
 */
function findMatches(text: string, stems: string[]): Match[] {
  let lower = text.toLowerCase();
  // Lower-casing changes the length of a few characters (İ); such words keep their case (no match there).
  if (lower.length !== text.length) {
    lower = text.replace(WORD, (word) => (word.toLowerCase().length === word.length ? word.toLowerCase() : word));
  }
  const found: Match[] = [];
  stems.forEach((stem, term) => {
    for (let at = lower.indexOf(stem); at >= 0; at = lower.indexOf(stem, at + 1)) {
      if (at > 0 && isWordChar(text, at - 1) && !isCamelBoundary(text, at)) continue;
      const after = at + stem.length;
      if (stem.length < 3 && after < text.length && isWordChar(text, after)) continue;
      let start = at;
      while (start > 0 && isWordChar(text, start - 1)) start--;
      let end = after;
      while (end < text.length && isWordChar(text, end)) end++;
      found.push({ start, end, term });
    }
  });
  found.sort((a, b) => a.start - b.start || a.term - b.term);
  const matches: Match[] = [];
  for (const match of found) {
    const previous = matches[matches.length - 1];
    if (previous !== undefined && match.start < previous.end) continue;
    matches.push(match);
  }
  return matches;
}

const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
const UPPER = /\p{Lu}/u;
const LOWER = /\p{Ll}/u;

function isWordChar(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128) return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57);
  return WORD_CHAR.test(text[index] as string);
}

/** A camelCase part starts here: lower→Upper (`getUser` at `U`) or UPPER→Upper+lower (`HTTPServer` at `S`). */
function isCamelBoundary(text: string, index: number): boolean {
  if (!isUpper(text, index)) return false;
  if (isLower(text, index - 1)) return true;
  return isUpper(text, index - 1) && index + 1 < text.length && isLower(text, index + 1);
}

function isUpper(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code < 128 ? code >= 65 && code <= 90 : UPPER.test(text[index] as string);
}

function isLower(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code < 128 ? code >= 97 && code <= 122 : LOWER.test(text[index] as string);
}

/** Indexes of the first and last match of the best window no wider than `maxChars` (two pointers). */
function bestWindow(matches: Match[], maxChars: number): [number, number] {
  const counts = new Map<number, number>();
  let best: [number, number] = [0, 0];
  let bestDistinct = 0;
  let bestTotal = 0;
  let left = 0;
  for (let right = 0; right < matches.length; right++) {
    const current = matches[right] as Match;
    counts.set(current.term, (counts.get(current.term) ?? 0) + 1);
    while (left < right && current.end - (matches[left] as Match).start > maxChars) {
      const term = (matches[left] as Match).term;
      const remaining = (counts.get(term) ?? 1) - 1;
      if (remaining === 0) counts.delete(term);
      else counts.set(term, remaining);
      left++;
    }
    const total = right - left + 1;
    if (counts.size > bestDistinct || (counts.size === bestDistinct && total > bestTotal)) {
      best = [left, right];
      bestDistinct = counts.size;
      bestTotal = total;
    }
  }
  return best;
}

/** Moves a cut that falls inside a token forward to the next token, never past `limit`. */
function snapStart(text: string, start: number, limit: number): number {
  if (start === 0 || text[start - 1] === ' ' || text[start] === ' ') return start;
  const space = text.indexOf(' ', start);
  return space >= 0 && space + 1 <= limit ? space + 1 : limit;
}

/**
 * Moves a cut that falls inside a token back to the end of the previous token, never before `limit`
 * (a match end, itself a word boundary); with `limit` 0 and one token longer than the window, cuts hard.
 */
function snapEnd(text: string, end: number, limit: number): number {
  if (end >= text.length || text[end] === ' ' || text[end - 1] === ' ') return end;
  const space = text.lastIndexOf(' ', end - 1);
  if (space >= limit && space > 0) return space;
  return limit > 0 ? limit : end;
}
