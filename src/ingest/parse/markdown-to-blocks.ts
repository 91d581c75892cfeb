import type { Block } from '../../core/parsed-document.js';
import { splitHeadingAttributes } from './heading-attributes.js';

export interface MarkdownOptions {
  /** MDX: drop top-level `import`/`export` statements. */
  mdx?: boolean;
  /** 1-based line number of the first line of `text` in the file (after front matter). */
  firstLine?: number;
}

const FENCE_OPEN = /^(\s*)(`{3,}|~{3,})[ \t]*([^\s`{]*)/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const MDX_COMMENT = /\{\/\*[\s\S]*?\*\/\}/g;
/** Inline HTML elements some docs put in headings (`Overriding blocks <small>recommended</small>`). */
const INLINE_HTML_TAG = /<\/?(?:small|sup|sub|span|code|em|strong|b|i|kbd|mark|abbr|a|br)(?:\s[^<>]*)?\/?>/gi;
/** JSX component tags (capitalised names, or `<>` fragments); their inner text is kept. */
const JSX_TAG = /<\/?(?:[A-Z][\w.]*(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?)?\/?>/g;
const JSX_TAG_START = /^\s*<\/?[A-Z][\w.]*(?:\s|$)/;

/**
 * Line-based Markdown/MDX structure reader (no AST; linear in the input).
 * Produces `heading` (ATX and setext), `code` (fenced, verbatim including its fences, kept whole
 * even when unclosed), `table` (pipe tables: `text` is the whole table, `header` its first two
 * lines) and `text` (paragraphs, lists, quotes; blank-line separated). HTML comments, MDX
 * comments and JSX component tags are removed; the text between JSX tags is kept.
 * `text` must have '\n' line endings.
 */
export function markdownToBlocks(text: string, options: MarkdownOptions = {}): Block[] {
  const lines = text.split('\n');
  const firstLine = options.firstLine ?? 1;
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let paragraphLine = 0;

  const flush = (): void => {
    const body = paragraph.join('\n').trim();
    if (body) blocks.push({ kind: 'text', text: body, line: paragraphLine });
    paragraph = [];
  };

  for (let index = 0; index < lines.length; index++) {
    let line = lines[index] ?? '';
    const lineNumber = firstLine + index;

    const fence = line.includes('``') || line.includes('~~') ? FENCE_OPEN.exec(line) : null;
    if (fence) {
      flush();
      const marker = fence[2] ?? '```';
      const closer = new RegExp(`^\\s*${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
      const start = index;
      index++;
      while (index < lines.length && !closer.test(lines[index] ?? '')) index++;
      const body = lines.slice(start, Math.min(index + 1, lines.length)).join('\n');
      const language = (fence[3] ?? '').toLowerCase();
      blocks.push(language ? { kind: 'code', text: body, language, line: lineNumber } : { kind: 'code', text: body, line: lineNumber });
      continue;
    }

    if (line.includes('<!--')) {
      const close = line.indexOf('-->', line.indexOf('<!--'));
      if (close >= 0) {
        line = line.replace(/<!--[\s\S]*?-->/g, '');
      } else {
        line = line.slice(0, line.indexOf('<!--'));
        while (index + 1 < lines.length && !(lines[index + 1] ?? '').includes('-->')) index++;
        const closing = lines[index + 1] ?? '';
        if (index + 1 < lines.length) index++;
        line += closing.slice(closing.indexOf('-->') + 3);
      }
      if (!line.trim()) {
        if (paragraph.length > 0 && !/\S/.test(line)) continue;
        flush();
        continue;
      }
    }

    if (options.mdx && paragraph.length === 0 && /^(?:import|export)\s/.test(line)) {
      index = skipStatement(lines, index);
      continue;
    }

    if (line.includes('<')) {
      if (JSX_TAG_START.test(line) && !/>/.test(line)) {
        // A JSX opening tag whose props span several lines: drop through the line that closes it.
        while (index + 1 < lines.length && !/>\s*$/.test(lines[index] ?? '')) index++;
        continue;
      }
      const stripped = line.replace(JSX_TAG, '');
      if (stripped !== line) {
        line = stripped;
        if (!line.trim()) continue;
      }
    }
    if (line.includes('{/*')) {
      // A comment that ends a heading is its anchor (the React docs' `## Title {/*anchor*/}`): kept for headingBlock.
      const end = line.trimEnd().length;
      const heading = /^ {0,3}#/.test(line);
      line = line.replace(MDX_COMMENT, (comment: string, offset: number) => (heading && offset + comment.length === end ? comment : ''));
    }

    if (!line.trim()) {
      flush();
      continue;
    }

    if (line.includes('#')) {
      const heading = ATX_HEADING.exec(line);
      if (heading) {
        flush();
        const block = headingBlock(heading[1]?.length ?? 1, heading[2] ?? '');
        if (block.text) blocks.push(block);
        continue;
      }
    }

    if (paragraph.length > 0 && (line.includes('=') || line.includes('-')) && SETEXT_UNDERLINE.test(line)) {
      const previous = paragraph[paragraph.length - 1] ?? '';
      if (!/^\s*(?:[-*+]\s|\d+[.)]\s|>|\|)/.test(previous)) {
        paragraph.pop();
        flush();
        blocks.push(headingBlock(line.includes('=') ? 1 : 2, previous));
        continue;
      }
    }

    if (paragraph.length === 0 && THEMATIC_BREAK.test(line)) continue;

    const next = lines[index + 1];
    if (line.includes('|') && next?.includes('-') && TABLE_SEPARATOR.test(next) && (next.includes('|') || line.trim().startsWith('|'))) {
      flush();
      const header = `${line.trim()}\n${next.trim()}`;
      const rows: string[] = [header];
      index += 2;
      while (index < lines.length && (lines[index] ?? '').includes('|') && (lines[index] ?? '').trim()) {
        rows.push((lines[index] ?? '').trim());
        index++;
      }
      index--;
      blocks.push({ kind: 'table', text: rows.join('\n'), header });
      continue;
    }

    if (paragraph.length === 0) paragraphLine = lineNumber;
    paragraph.push(line);
  }
  flush();
  return blocks;
}

/** A heading without its attribute list (`{ #id .class }`), whose id becomes the anchor. */
function headingBlock(level: number, raw: string): Extract<Block, { kind: 'heading' }> {
  const { text, anchor } = splitHeadingAttributes(raw.includes('<') ? raw.replace(INLINE_HTML_TAG, '') : raw);
  const clean = text.replace(/\s+/g, ' ').trim();
  return anchor === undefined ? { kind: 'heading', level, text: clean } : { kind: 'heading', level, text: clean, anchor };
}

/** Index of the last line of an MDX import/export statement starting at `start` (bracket-balanced). */
function skipStatement(lines: readonly string[], start: number): number {
  let depth = 0;
  for (let index = start; index < lines.length; index++) {
    const line = lines[index] ?? '';
    for (const char of line) {
      if (char === '{' || char === '(' || char === '[') depth++;
      else if (char === '}' || char === ')' || char === ']') depth--;
    }
    if (depth <= 0 && !/[,=]\s*$/.test(line) && !/\bfrom\s*$/.test(line)) return index;
  }
  return lines.length - 1;
}
