import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { decodeText } from './detect-encoding.js';
import { emptyFileError, isBlank } from './parse-error.js';
import type { ParseInput, Parser } from './parser.js';

/** Plain text: blank-line separated paragraphs become `text` blocks carrying their 1-based line. */
export const textParser: Parser = {
  id: 'text',
  extensions: ['txt', 'text', 'log', 'rst'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { text, encoding } = decodeText(input.bytes);
    if (isBlank(text)) throw emptyFileError(input.fileName);
    const blocks = paragraphsToBlocks(text);
    const first = blocks[0]?.text.split('\n', 1)[0]?.trim();
    return { title: input.fileName || first || 'untitled', format: 'text', blocks, metadata: { encoding } };
  },
};

/** Splits on blank lines; CR and CRLF line endings are normalised to '\n'. */
export function paragraphsToBlocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let start = -1;
  for (let index = 0; index <= lines.length; index++) {
    const line = lines[index];
    const blank = line === undefined || !/\S/.test(line);
    if (!blank && start < 0) start = index;
    if (blank && start >= 0) {
      blocks.push({ kind: 'text', text: lines.slice(start, index).join('\n').replace(/\s+$/, ''), line: start + 1 });
      start = -1;
    }
  }
  return blocks;
}
