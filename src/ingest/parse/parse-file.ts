import type { ParsedDocument } from '../../core/parsed-document.js';
import { codeLanguageFor, isCodeFileName } from './code-languages.js';
import { codeParser } from './code-parser.js';
import { csvParser } from './csv-parser.js';
import { sniffBomlessUtf16 } from './detect-encoding.js';
import { docxParser } from './docx-parser.js';
import { htmlParser } from './html-parser.js';
import { jsonParser } from './json-parser.js';
import { markdownParser } from './markdown-parser.js';
import { emptyFileError, isBlank, parseError, throwIfAborted } from './parse-error.js';
import type { ParseInput, Parser } from './parser.js';
import { pdfParser } from './pdf-parser.js';
import { textParser } from './text-parser.js';

/** Every parser, in lookup order (the first parser listing an extension wins). */
export const PARSERS: readonly Parser[] = [markdownParser, textParser, htmlParser, pdfParser, docxParser, csvParser, jsonParser, codeParser];

const byExtension = new Map<string, Parser>();
for (const parser of PARSERS) for (const extension of parser.extensions) if (!byExtension.has(extension)) byExtension.set(extension, parser);

/** Parsers that decode bytes as text; binary content under their extensions is refused. */
const TEXT_PARSERS = new Set<Parser>([markdownParser, textParser, htmlParser, csvParser, jsonParser, codeParser]);

/** Bytes inspected to decide whether extension-less content is text. */
const SNIFF_BYTES = 8192;

/**
 * Parses one file, choosing the parser by file name (`Dockerfile`), then extension, then — for
 * files without an extension — by sniffing: a `#!` line means code, other text means plain text.
 * Rejects with a CairnError coded PARSE_EMPTY (no bytes or whitespace only), PARSE_UNSUPPORTED
 * (unknown type or binary content), PARSE_ENCRYPTED, PARSE_CORRUPT or PARSE_NO_TEXT.
 */
export async function parseFile(input: ParseInput): Promise<ParsedDocument> {
  throwIfAborted(input.signal);
  const parser = chooseParser(input);
  if (input.bytes.length === 0) throw emptyFileError(input.fileName);
  if (TEXT_PARSERS.has(parser) && looksBinary(input.bytes)) {
    throw parseError('PARSE_UNSUPPORTED', input.fileName, `binary content in a ${describeType(input)} file`);
  }
  return parser.parse(input);
}

/** Whether the directory walker should read a file at all (extension-less files are sniffed). */
export function isSupportedExtension(extension: string, fileName: string): boolean {
  return extension === '' || byExtension.has(extension.toLowerCase()) || isCodeFileName(fileName);
}

function chooseParser(input: ParseInput): Parser {
  if (isCodeFileName(input.fileName)) return codeParser;
  const parser = byExtension.get(input.extension.toLowerCase());
  if (parser) return parser;
  if (input.extension === '') {
    if (input.bytes.length === 0 || isBlank(input.bytes.subarray(0, SNIFF_BYTES).toString('latin1'))) return textParser;
    const head = input.bytes.subarray(0, SNIFF_BYTES).toString('utf8');
    if (head.startsWith('#!') && codeLanguageFor('', input.fileName, head.slice(0, head.indexOf('\n') >>> 0))) return codeParser;
    if (!looksBinary(input.bytes)) return textParser;
  }
  throw parseError('PARSE_UNSUPPORTED', input.fileName, `unsupported file type ${describeType(input)}`);
}

function describeType(input: ParseInput): string {
  return input.extension ? `.${input.extension}` : '(no extension)';
}

/**
 * Binary when the first 8 KiB hold a NUL byte (and are not BOM-less UTF-16) or more than 10%
 * C0 control characters other than tab, newline, form feed and carriage return.
 */
function looksBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, SNIFF_BYTES);
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return sniffBomlessUtf16(head) === undefined;
    if (byte < 32 && byte !== 9 && byte !== 10 && byte !== 12 && byte !== 13 && byte !== 27) controls++;
  }
  return controls > head.length * 0.1;
}
