import type { ParsedDocument } from '../../core/parsed-document.js';
import { decodeText } from './detect-encoding.js';
import { htmlToBlocks } from './html-to-blocks.js';
import { nestingBombError, NestingTooDeepError } from './nesting-depth.js';
import { assertHasText, emptyFileError, isBlank } from './parse-error.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import type { ParseInput, Parser } from './parser.js';

const META_CHARSET = /<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)/i;

export const htmlParser: Parser = {
  id: 'html',
  extensions: ['html', 'htm', 'xhtml'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    // A declared charset is only used when the bytes are not valid UTF-8 (see decodeText).
    const declared = META_CHARSET.exec(input.bytes.subarray(0, 4096).toString('latin1'))?.[1];
    const { text, encoding } = decodeText(input.bytes, declared);
    if (isBlank(text)) throw emptyFileError(input.fileName);
    const maxDepth = (input.limits ?? DEFAULT_PARSE_LIMITS).maxNestingDepth;
    let content: ReturnType<typeof htmlToBlocks>;
    try {
      content = htmlToBlocks(text, { maxDepth });
    } catch (error) {
      if (error instanceof NestingTooDeepError) throw nestingBombError(input.fileName, 'the HTML', error.limit);
      throw error;
    }
    const { title, blocks } = content;
    assertHasText(blocks, input.fileName);
    return { title: title || input.fileName, format: 'html', blocks, metadata: { encoding } };
  },
};
