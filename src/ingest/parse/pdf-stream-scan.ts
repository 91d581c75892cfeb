import { createInflate } from 'node:zlib';

/**
 * Deflate's densest output is 258 bytes per ~2 bits of input: a little over 1032:1 (RFC 1951 3.2.5);
 * a stream this many times smaller than the limit cannot pass it and is not inflated here.
 */
const DEFLATE_MAX_RATIO = 1032;
/** How far back from `stream` a dictionary may start. */
const MAX_DICTIONARY_BYTES = 64 * 1024;
/** `N G obj` headers tried per stream keyword (the nearest is the right one unless a string says `obj`). */
const MAX_HEADER_TRIES = 8;
const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);

export interface OversizedStream {
  /** `4 0` for object 4, generation 0. */
  object: string;
}

/**
 * Finds the first FlateDecode stream of a PDF that inflates past `maxBytes`, before pdf.js sees the
 * file: pdf.js decodes a stream whole into one growing buffer, so a 260 KB PDF whose content stream
 * inflates to 256 MiB cost 35 s and 1 GB. Streams are found by their `stream` keyword and the
 * dictionary of their `N G obj`; image XObjects are passed over (text extraction never decodes them).
 * Inflation is streamed and stopped at the limit, so the scan itself stays small; a dictionary is
 * looked for no further back than the previous `stream` keyword (and 64 KiB), so the scan stays
 * about linear in the file.
 * Not covered (pdf.js decodes them unchecked): encrypted files (their streams cannot be inflated
 * without the key), and streams whose first filter is not FlateDecode (LZW, RunLength, or Flate
 * behind ASCIIHex/ASCII85).
 */
export async function findOversizedStream(bytes: Buffer, maxBytes: number): Promise<OversizedStream | undefined> {
  let floor = 0;
  for (let at = bytes.indexOf('stream'); at >= 0; floor = at + 6, at = bytes.indexOf('stream', at + 6)) {
    if (at >= 3 && bytes.toString('latin1', at - 3, at) === 'end') continue;
    const eol = bytes[at + 6];
    if (eol !== 0x0a && eol !== 0x0d) continue;
    const dictionary = dictionaryBefore(bytes, at, Math.max(floor, at - MAX_DICTIONARY_BYTES));
    if (dictionary === undefined) continue;
    if (/\/Subtype\s*\/Image\b/.test(dictionary.entries)) continue;
    const filter = /\/Filter\s*(?:\[\s*)?\/(\w+)/.exec(dictionary.entries)?.[1];
    if (filter !== 'FlateDecode' && filter !== 'Fl') continue;
    const start = at + 6 + (eol === 0x0d && bytes[at + 7] === 0x0a ? 2 : 1);
    let end = bytes.indexOf('endstream', start);
    if (end < 0) end = bytes.length;
    if ((end - start) * DEFLATE_MAX_RATIO <= maxBytes) continue;
    if (await inflatesPast(bytes.subarray(start, end), maxBytes)) return { object: dictionary.object };
  }
  return undefined;
}

/**
 * The dictionary of the stream whose keyword is at `at`: read forward, as pdf.js reads an object,
 * from an `N G obj` header between `floor` and the keyword, and accepted only if it ends right before
 * the keyword. Reading forward keeps strings and nested dictionaries in their place (a `<<` inside a
 * string cannot end the dictionary early). Returns the top-level entries as text, strings and nested
 * dictionaries left out, and the object's `N G`.
 */
function dictionaryBefore(bytes: Buffer, at: number, floor: number): { entries: string; object: string } | undefined {
  let candidate = bytes.lastIndexOf('obj', at);
  for (let tries = 0; candidate >= floor && tries < MAX_HEADER_TRIES; tries++, candidate = bytes.lastIndexOf('obj', candidate - 1)) {
    const header = /(\d+)\s+(\d+)\s+$/.exec(bytes.toString('latin1', Math.max(0, candidate - 24), candidate));
    if (!header) continue;
    const dictionary = readDictionary(bytes, candidate + 3, at);
    if (dictionary === undefined) continue;
    let end = dictionary.end;
    while (end < at && WHITESPACE.has(bytes[end]!)) end++;
    if (end === at) return { entries: dictionary.entries, object: `${header[1]} ${header[2]}` };
  }
  return undefined;
}

/** A dictionary starting (after whitespace) at `from` and ending before `limit`: its top-level text and the index after its `>>`. */
function readDictionary(bytes: Buffer, from: number, limit: number): { entries: string; end: number } | undefined {
  let index = from;
  while (index < limit && WHITESPACE.has(bytes[index]!)) index++;
  if (bytes[index] !== 0x3c || bytes[index + 1] !== 0x3c) return undefined;
  let depth = 0;
  let entries = '';
  while (index < limit) {
    const byte = bytes[index]!;
    if (byte === 0x3c && bytes[index + 1] === 0x3c) {
      depth++;
      index += 2;
    } else if (byte === 0x3e && bytes[index + 1] === 0x3e) {
      depth--;
      index += 2;
      if (depth === 0) return { entries, end: index };
    } else if (byte === 0x28) {
      index = skipString(bytes, index, limit);
    } else if (byte === 0x3c) {
      const close = bytes.indexOf(0x3e, index);
      index = close < 0 || close >= limit ? limit : close + 1;
    } else if (byte === 0x25) {
      while (index < limit && bytes[index] !== 0x0a && bytes[index] !== 0x0d) index++;
    } else if (byte === 0x29) {
      return undefined;
    } else {
      if (depth === 1) entries += String.fromCharCode(byte);
      index++;
    }
  }
  return undefined;
}

/** Index after the literal string opening at `index` (balanced parentheses, backslash escapes). */
function skipString(bytes: Buffer, index: number, limit: number): number {
  let depth = 0;
  for (; index < limit; index++) {
    const byte = bytes[index];
    if (byte === 0x5c) index++;
    else if (byte === 0x28) depth++;
    else if (byte === 0x29 && --depth === 0) return index + 1;
  }
  return limit;
}

/** Whether zlib data inflates to more than `maxBytes`, counted as it streams and stopped there; damaged data counts what it gave. */
function inflatesPast(data: Buffer, maxBytes: number): Promise<boolean> {
  return new Promise((resolve) => {
    const inflate = createInflate({ chunkSize: 64 * 1024 });
    let produced = 0;
    let settled = false;
    const settle = (past: boolean) => {
      if (settled) return;
      settled = true;
      inflate.destroy();
      resolve(past);
    };
    inflate.on('data', (chunk: Buffer) => {
      produced += chunk.length;
      if (produced > maxBytes) settle(true);
    });
    inflate.on('end', () => settle(false));
    inflate.on('error', () => settle(false));
    inflate.end(data);
  });
}
