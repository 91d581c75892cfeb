import type { ParsedDocument } from '../../core/parsed-document.js';
import { decodeText } from './detect-encoding.js';
import { normaliseTags, splitFrontMatter } from './front-matter.js';
import { markdownToBlocks } from './markdown-to-blocks.js';
import { assertHasText, emptyFileError, isBlank } from './parse-error.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import type { ParseInput, Parser } from './parser.js';

export const markdownParser: Parser = {
  id: 'markdown',
  extensions: ['md', 'mdx', 'markdown'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { text: raw, encoding } = decodeText(input.bytes);
    if (isBlank(raw)) throw emptyFileError(input.fileName);
    const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
    const frontMatter = splitFrontMatter(text, (input.limits ?? DEFAULT_PARSE_LIMITS).maxNestingDepth);
    const blocks = markdownToBlocks(frontMatter.body, { mdx: input.extension === 'mdx', firstLine: frontMatter.bodyStartLine });
    if (!blocks.some((block) => !isBlank(block.text))) {
      // Pages that are only front matter (section indexes, redirects) are still findable by it.
      const strings = (values: unknown[]): string[] => values.filter((value): value is string => typeof value === 'string' && !isBlank(value));
      const named = strings([frontMatter.data.title, frontMatter.data.description]);
      const summary = named.length > 0 ? named : strings(Object.values(frontMatter.data));
      if (summary.length > 0) blocks.push({ kind: 'text', text: summary.join('\n\n') });
    }
    assertHasText(blocks, input.fileName);

    const metadata: Record<string, unknown> = { ...frontMatter.data, encoding };
    if (frontMatter.error) metadata.frontMatterError = frontMatter.error;
    const tags = normaliseTags(frontMatter.data.tags ?? frontMatter.data.keywords);
    if (tags.length > 0) metadata.tags = tags;
    const frontTitle = frontMatter.data.title;
    const firstH1 = blocks.find((block) => block.kind === 'heading' && block.level === 1)?.text;
    const title =
      (typeof frontTitle === 'string' || typeof frontTitle === 'number') && String(frontTitle).trim()
        ? String(frontTitle).trim()
        : firstH1 ?? input.fileName;
    return { title, format: 'markdown', blocks, metadata };
  },
};
