import { isUtf8 } from 'node:buffer';
import chardet from 'chardet';
import iconv from 'iconv-lite';

export interface DecodedText {
  text: string;
  /** WHATWG-style label of the encoding used (`utf-8`, `utf-16le`, `windows-1252`, `big5`). */
  encoding: string;
}

/** Bytes chardet looks at; detection on a prefix is as good and keeps large files cheap. */
const DETECT_SAMPLE_BYTES = 64 * 1024;

/**
 * Decodes text bytes. Order: byte-order mark (UTF-8, UTF-16LE/BE), then strict UTF-8 validity,
 * then UTF-16 without a BOM (recognised by NUL bytes in alternate positions), then `declared`
 * (for example an HTML `<meta charset>`), then chardet's statistical guess among legacy
 * single-byte and CJK encodings. Never throws: undecodable bytes become U+FFFD.
 */
export function decodeText(bytes: Uint8Array, declared?: string): DecodedText {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) {
    return { text: buffer.toString('utf8', 3), encoding: 'utf-8' };
  }
  if (buffer[0] === 0xff && buffer[1] === 0xfe) {
    return { text: iconv.decode(buffer.subarray(2), 'utf-16le'), encoding: 'utf-16le' };
  }
  if (buffer[0] === 0xfe && buffer[1] === 0xff) {
    return { text: iconv.decode(buffer.subarray(2), 'utf-16be'), encoding: 'utf-16be' };
  }
  const utf16 = sniffBomlessUtf16(buffer);
  if (utf16) return { text: iconv.decode(buffer, utf16), encoding: utf16 };
  if (isUtf8(buffer)) return { text: buffer.toString('utf8'), encoding: 'utf-8' };

  const declaredName = declared === undefined ? undefined : normaliseEncoding(declared);
  if (declaredName && declaredName !== 'utf-8' && iconv.encodingExists(declaredName)) {
    return { text: iconv.decode(buffer, declaredName), encoding: declaredName };
  }
  const guessed = guessLegacyEncoding(buffer.subarray(0, DETECT_SAMPLE_BYTES));
  return { text: iconv.decode(buffer, guessed), encoding: guessed };
}

function guessLegacyEncoding(sample: Buffer): string {
  for (const match of chardet.analyse(sample)) {
    const name = normaliseEncoding(match.name);
    if (name !== 'utf-8' && !name.startsWith('utf-') && iconv.encodingExists(name)) return name;
  }
  return 'windows-1252';
}

/**
 * Maps detector and `<meta>` labels onto names iconv-lite decodes. ISO-8859-1 and US-ASCII become
 * windows-1252, as the WHATWG Encoding Standard does: real files labelled Latin-1 use 0x80-0x9F
 * for curly quotes and dashes, never for C1 controls.
 */
export function normaliseEncoding(label: string): string {
  const name = label.trim().toLowerCase().replace(/_/g, '-');
  if (name === 'iso-8859-1' || name === 'latin1' || name === 'us-ascii' || name === 'ascii') return 'windows-1252';
  if (name === 'utf8') return 'utf-8';
  if (name === 'shift-jis' || name === 'sjis' || name === 'x-sjis') return 'shift_jis';
  if (name === 'gb2312' || name === 'gbk') return 'gb18030';
  return name;
}

/**
 * UTF-16 without a BOM: in mostly-Latin text every other byte is NUL. Needs at least 8 bytes and
 * NULs in one parity and nearly none in the other, which valid single-byte text never has.
 */
export function sniffBomlessUtf16(buffer: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  const length = Math.min(buffer.length, 4096) & ~1;
  if (length < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let index = 0; index < length; index += 2) {
    if (buffer[index] === 0) evenNul++;
    if (buffer[index + 1] === 0) oddNul++;
  }
  const pairs = length / 2;
  if (oddNul > pairs * 0.4 && evenNul < pairs * 0.05) return 'utf-16le';
  if (evenNul > pairs * 0.4 && oddNul < pairs * 0.05) return 'utf-16be';
  return undefined;
}
