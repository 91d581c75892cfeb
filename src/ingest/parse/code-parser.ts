import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { codeLanguageFor, CODE_EXTENSIONS, type CodeLanguage } from './code-languages.js';
import { decodeText } from './detect-encoding.js';
import { emptyFileError, isBlank, parseError } from './parse-error.js';
import type { ParseInput, Parser } from './parser.js';

/** A definition longer than this many lines is split further at blank lines. */
const MAX_BLOCK_LINES = 80;

export const codeParser: Parser = {
  id: 'code',
  extensions: CODE_EXTENSIONS,
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { text: raw, encoding } = decodeText(input.bytes);
    if (isBlank(raw)) throw emptyFileError(input.fileName);
    const text = raw.replace(/\r\n?/g, '\n');
    const language = codeLanguageFor(input.extension, input.fileName, text.slice(0, text.indexOf('\n') >>> 0));
    if (!language) throw parseError('PARSE_UNSUPPORTED', input.fileName, `unsupported file type .${input.extension || input.fileName}`);
    const blocks = splitCode(text, language);
    return { title: input.fileName, format: 'code', language: language.name, blocks, metadata: { encoding } };
  },
};

/**
 * Splits source text into `code` blocks at top-level definitions (a column-0 line matching the
 * language's `definition`), moving comments and decorators directly above a definition into its
 * block. Text before the first definition (imports, headers) is a block of its own. Blocks longer
 * than MAX_BLOCK_LINES, and files with no definitions, are split at blank lines into runs of at
 * most MAX_BLOCK_LINES lines (a single longer paragraph stays whole). Every block has its
 * 1-based `line`; the concatenation of blocks is the file minus blank lines at block edges.
 */
export function splitCode(text: string, language: CodeLanguage): Block[] {
  const lines = text.split('\n');
  const starts: number[] = [0];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '' || !language.definition.test(line)) continue;
    const previousStart = starts[starts.length - 1] ?? 0;
    // Comments at the very top of a file belong to the first definition when nothing else precedes it.
    const floor = starts.length === 1 ? previousStart - 1 : previousStart;
    let start = index;
    while (start - 1 > floor && language.preamble.test(lines[start - 1] ?? '') && (lines[start - 1] ?? '').trim() !== '') start--;
    if (start > previousStart) starts.push(start);
  }
  const blocks: Block[] = [];
  for (let part = 0; part < starts.length; part++) {
    const from = starts[part] ?? 0;
    const to = starts[part + 1] ?? lines.length;
    for (const [begin, end] of splitAtBlankLines(lines, from, to)) {
      let first = begin;
      let last = end;
      while (first < last && !(lines[first] ?? '').trim()) first++;
      while (last > first && !(lines[last - 1] ?? '').trim()) last--;
      if (first === last) continue;
      blocks.push({ kind: 'code', text: lines.slice(first, last).join('\n'), language: language.name, line: first + 1 });
    }
  }
  return blocks;
}

/** [from, to) ranges: the whole range when short enough, else runs of blank-line separated paragraphs. */
function splitAtBlankLines(lines: readonly string[], from: number, to: number): [number, number][] {
  if (to - from <= MAX_BLOCK_LINES) return [[from, to]];
  const ranges: [number, number][] = [];
  let start = from;
  let lastBlank = -1;
  for (let index = from; index < to; index++) {
    if (!(lines[index] ?? '').trim()) lastBlank = index;
    if (index - start >= MAX_BLOCK_LINES && lastBlank > start) {
      ranges.push([start, lastBlank]);
      start = lastBlank + 1;
      lastBlank = -1;
    }
  }
  ranges.push([start, to]);
  return ranges;
}
