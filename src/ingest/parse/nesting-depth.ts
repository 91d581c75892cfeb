import { Parser as HtmlTokenizer } from 'htmlparser2';
import { parseError } from './parse-error.js';
import { LIMIT_KEYS } from './parse-limits.js';

/**
 * Linear pre-scans of how deep a text nests, run before a parser that recurses (or, like parse5,
 * takes time quadratic in depth) sees it. Each returns the deepest level found, stopping early
 * once it passes `limit` (the value returned is then `limit + 1`).
 */

const OPEN = 0x3c; // <
const CLOSE = 0x3e; // >
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;

/**
 * Element depth of well-formed XML (what a DOCX part must be): start tags open, end tags close,
 * `<x/>` does neither; comments, CDATA, processing instructions and the DOCTYPE are skipped, and
 * `>` inside quoted attribute values does not end a tag. Reads bytes, so any ASCII-compatible encoding works.
 */
export function xmlNestingDepth(xml: Buffer, limit: number): number {
  let depth = 0;
  let deepest = 0;
  const length = xml.length;
  for (let index = xml.indexOf(OPEN); index >= 0 && index < length; index = xml.indexOf(OPEN, index)) {
    const next = xml[index + 1];
    if (next === BANG) {
      index = skipDeclaration(xml, index);
      continue;
    }
    if (next === QUESTION) {
      index = indexOfSequence(xml, '?>', index + 2) + 2;
      continue;
    }
    // Find the tag's closing `>`, passing over quoted attribute values.
    let quote = 0;
    let end = index + 1;
    for (; end < length; end++) {
      const byte = xml[end]!;
      if (quote !== 0) {
        if (byte === quote) quote = 0;
      } else if (byte === 0x22 || byte === 0x27) quote = byte;
      else if (byte === CLOSE) break;
    }
    if (next === SLASH) depth--;
    else if (xml[end - 1] !== SLASH) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    }
    index = end + 1;
  }
  return deepest;
}

/** Past `<!-- -->`, `<![CDATA[ ]]>` or `<!DOCTYPE … [ … ]>`; returns the index after it. */
function skipDeclaration(xml: Buffer, index: number): number {
  if (xml[index + 2] === 0x2d && xml[index + 3] === 0x2d) return indexOfSequence(xml, '-->', index + 4) + 3;
  if (xml[index + 2] === 0x5b) return indexOfSequence(xml, ']]>', index + 3) + 3;
  const close = xml.indexOf(CLOSE, index);
  const subset = xml.indexOf(0x5b, index);
  if (subset >= 0 && (close < 0 || subset < close)) return indexOfSequence(xml, ']>', subset) + 2;
  return close < 0 ? xml.length : close + 1;
}

function indexOfSequence(xml: Buffer, sequence: string, from: number): number {
  const found = xml.indexOf(sequence, from, 'latin1');
  return found < 0 ? xml.length : found;
}

class DeepEnough extends Error {}

/**
 * Element depth of HTML as a forgiving parser builds it: htmlparser2's event parser (linear, no tree)
 * closes void elements, implied end tags (`<p>`, `<li>`, `<td>`…) and self-closing foreign (SVG, MathML)
 * elements as parse5 does, and reads `<script>`/`<style>` as raw text. parse5, which cheerio builds the
 * tree with, checks element scopes by walking the stack of open elements, so its time grows with
 * the square of the depth (100,000 nested `<div>`s took over four minutes): the depth is bounded
 * before it runs.
 */
export function htmlNestingDepth(html: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  const tokenizer = new HtmlTokenizer(
    {
      onopentag() {
        depth++;
        if (depth > deepest) {
          deepest = depth;
          if (deepest > limit) throw new DeepEnough();
        }
      },
      onclosetag() {
        depth--;
      },
    },
    { decodeEntities: false },
  );
  try {
    tokenizer.end(html);
  } catch (error) {
    if (!(error instanceof DeepEnough)) throw error;
  }
  return deepest;
}

/**
 * Bracket depth of JSON (`[` and `{` outside strings). With `perLine` (JSON Lines) each line is
 * counted on its own, so one unbalanced line does not carry into the next.
 */
export function jsonNestingDepth(text: string, limit: number, perLine = false): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c) index++;
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d || code === 0x7d) depth--;
    else if (code === 0x0a && perLine) depth = 0;
  }
  return deepest;
}

/**
 * Flow-collection depth of YAML (`[` and `{`, quotes not considered: a bracket inside a quoted
 * scalar only makes the count higher, and real front matter stays far below any limit). The `yaml`
 * library survives deeper input by catching its own stack overflow, but spends ~35 µs per level
 * doing so, which a large front matter turns into minutes.
 */
export function yamlFlowDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x5b || code === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if ((code === 0x5d || code === 0x7d) && depth > 0) depth--;
  }
  return deepest;
}

/** Thrown by code that walks a tree recursively when it reaches `limit` levels; parsers turn it into PARSE_BOMB. */
export class NestingTooDeepError extends Error {
  constructor(readonly limit: number) {
    super(`nested deeper than ${limit} levels`);
    this.name = 'NestingTooDeepError';
  }
}

/** PARSE_BOMB for a file nested deeper than `limit`; `what` names the text (`HTML`, `JSON`, `DOCX part "word/document.xml"`). */
export function nestingBombError(fileName: string, what: string, limit: number): Error {
  return parseError('PARSE_BOMB', fileName, `${what} is nested deeper than ${limit} levels, the limit (${LIMIT_KEYS.maxNestingDepth})`, {
    hint: `If the file is genuine, raise ${LIMIT_KEYS.maxNestingDepth} in cairn.config.json (at most 10000) and ingest it again.`,
  });
}
