/**
 * Sentence boundaries of one paragraph of plain text, by the Unicode sentence-break rules (UAX #29,
 * ICU's `Intl.Segmenter`): no break inside `https://example.com/a.b`, `0.118.0`, `app.py` or before a
 * lower-case word (`e.g. this`). ICU's English rules have no abbreviation list, so a break after an
 * abbreviation that rarely ends a sentence (`Dr. Smith`, `e.g. FastAPI`, `Fig. 3`) is undone here.
 *
 * Contract: the sentences are trimmed, non-empty, in text order, and joined with single spaces they
 * give the paragraph with its whitespace runs collapsed. A paragraph is one line: callers split
 * paragraphs, list items and headings first (ICU breaks at every line break).
 */
const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Lower-cased, without their final dot. */
const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'vs', 'cf', 'viz', 'approx', 'incl', 'resp', 'esp', 'ca', 'al',
  'mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'sr', 'jr',
  'fig', 'figs', 'sec', 'ch', 'eq', 'vol', 'pp',
]);
/** `No. 5`, `Nos. 3-4`: an abbreviation only before a number (`The answer is no. Then…` ends). */
const NUMBER_ABBREVIATIONS = new Set(['no', 'nos']);
const LAST_WORD = /(?:^|[\s([{"'])((?:\p{L}\.)*\p{L}+)\.$/u;

export function splitSentences(paragraph: string): string[] {
  const flat = paragraph.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return [];
  const pieces = Array.from(segmenter.segment(flat), ({ segment }) => segment.trim()).filter((piece) => piece.length > 0);
  const sentences: string[] = [];
  let pending = '';
  pieces.forEach((piece, index) => {
    pending = pending.length > 0 ? `${pending} ${piece}` : piece;
    const next = pieces[index + 1];
    if (next === undefined || !endsWithAbbreviation(pending, next)) {
      sentences.push(pending);
      pending = '';
    }
  });
  return sentences;
}

/** True when `text` ends with an abbreviation that does not end a sentence before `next`. */
function endsWithAbbreviation(text: string, next: string): boolean {
  const word = LAST_WORD.exec(text)?.[1]?.toLowerCase();
  if (word === undefined) return false;
  return ABBREVIATIONS.has(word) || (NUMBER_ABBREVIATIONS.has(word) && /^\d/.test(next));
}
