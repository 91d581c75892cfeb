/**
 * The prose of a stored passage as plain-text paragraphs, for quoting its sentences: Markdown,
 * MkDocs/Pandoc and HTML syntax removed, what a reader would see kept.
 *
 * Contract:
 * - One string per paragraph, list item, table row or quote paragraph, in text order; soft-wrapped
 *   lines are joined; whitespace runs are single spaces; no string is empty.
 * - Dropped whole: fenced code blocks, headings (the heading path names them), HTML comments,
 *   images, admonition and block markers (`!!! note`, `/// tip`, `:::`), include and template
 *   directives (`{* file *}`, `{{< shortcode >}}`, `{% tag %}`), table separator rows.
 * - Kept as their text: links (`[text](url)` → `text`, `<https://x>` → `https://x`), emphasis and
 *   strike-through, HTML elements (tags removed, entities decoded). Code spans keep their backticks
 *   (they read as code in Markdown and in a terminal alike) and are left untouched inside.
 * - Not a Markdown parser: line-based and linear, good enough to quote from; unknown syntax stays.
 */
const FENCE = /^\s*(`{3,}|~{3,})/;
const HEADING = /^ {0,3}#{1,6}(?:\s|$)/;
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-{2,})\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const DIRECTIVE = /^\s*(?:!!!|\?\?\?\+?|\/{3}|:{3}|\{\*.*\*\}\s*$|\{\{[<%].*[>%]\}\}\s*$|\{%.*%\}\s*$)/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/;
const QUOTE = /^\s*(?:>\s?)+/;
const INDENTED = /^(?: {2,}|\t)/;

export function proseParagraphs(text: string): string[] {
  const lines = text.replace(/\r\n?/g, '\n').replace(/<!--[\s\S]*?(?:-->|$)/g, '').split('\n');
  const paragraphs: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    const plain = inlineToPlain(current.join(' '));
    if (plain.length > 0) paragraphs.push(plain);
    current = [];
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const marker = fence[1] as string;
      while (index + 1 < lines.length && !(lines[index + 1] ?? '').trimStart().startsWith(marker)) index++;
      index++;
      continue;
    }
    if (SETEXT_UNDERLINE.test(line) && current.length > 0) {
      // The paragraph so far was a heading.
      current = [];
      continue;
    }
    if (line.trim().length === 0 || THEMATIC_BREAK.test(line) || DIRECTIVE.test(line) || TABLE_SEPARATOR.test(line) || HEADING.test(line)) {
      flush();
      continue;
    }
    if (line.trimStart().startsWith('|')) {
      flush();
      current.push(tableRow(line));
      flush();
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flush();
      current.push(line.slice(item[0].length));
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      if (current.length > 0 && !QUOTE.test(lines[index - 1] ?? '')) flush();
      current.push(line.slice(quote[0].length));
      continue;
    }
    // A line indented under a list item continues it; otherwise it is part of the paragraph.
    current.push(INDENTED.test(line) ? line.trim() : line);
  }
  flush();
  return paragraphs;
}

function tableRow(line: string): string {
  return line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim())
    .filter((cell) => cell.length > 0)
    .join('; ');
}

const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;
/** Link text may hold one level of brackets (`[@bot[bot]](…)`); a destination, one level of parentheses. */
const IMAGE = /!\[(?:[^[\]]|\[[^[\]]*\])*\](?:\((?:[^()\s]|\([^()]*\))*(?:\s+"[^"]*")?\)|\[[^\]]*\])/g;
const LINK = /\[((?:[^[\]]|\[[^[\]]*\])*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+"[^"]*")?\)/g;
const REFERENCE_LINK = /\[((?:[^[\]]|\[[^[\]]*\])+)\]\[[^\]]*\]/g;
const AUTOLINK = /<((?:https?|mailto|ftp):[^\s<>]+)>/g;
const FOOTNOTE_REF = /\[\^[^\]]+\]/g;
const ATTRIBUTE_LIST = /\s*\{:?\s*(?:[#.][\w:-]+|[\w-]+=(?:"[^"]*"|'[^']*'|[^\s}]*))(?:\s+(?:[#.][\w:-]+|[\w-]+=(?:"[^"]*"|'[^']*'|[^\s}]*)))*\s*\}/g;
/** An HTML (or JSX) tag whose attribute values may hold `>`; `a < b` in prose is left alone. */
const HTML_TAG = /<\/?[A-Za-z][\w.:-]*(?:\s+(?:[^<>"'=\s]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|\{[^{}]*\}|[^\s"'=<>`]+))?))*\s*\/?>/g;
const STRONG = /(\*\*|__)(?=\S)([\s\S]*?\S)\1/g;
const EMPHASIS = /(?<![\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g;
const STRIKE = /~~(?=\S)([\s\S]*?\S)~~/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', mdash: '—', ndash: '–', hellip: '…', copy: '©', reg: '®', trade: '™' };
const ENTITY = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g;

/** One paragraph's inline syntax to plain text; code spans are set aside first and put back verbatim. */
function inlineToPlain(text: string): string {
  const spans: string[] = [];
  const protectedText = text.replace(CODE_SPAN, (span) => `\u0000${spans.push(span) - 1}\u0000`);
  const plain = protectedText
    .replace(AUTOLINK, '$1')
    .replace(IMAGE, '')
    .replace(LINK, '$1')
    .replace(REFERENCE_LINK, '$1')
    .replace(FOOTNOTE_REF, '')
    .replace(ATTRIBUTE_LIST, '')
    .replace(HTML_TAG, ' ')
    .replace(STRONG, '$2')
    .replace(EMPHASIS, (_match, star?: string, underscore?: string) => star ?? underscore ?? '')
    .replace(STRIKE, '$1')
    .replace(ENTITY, decodeEntity)
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1')
    .replace(/\s+/g, ' ')
    // A removed tag leaves a space before the punctuation that followed it (`<b>x</b>.`).
    .replace(/ ([,.;:!?)])(?=\s|$)/g, '$1')
    .trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL delimits the placeholders that keep code spans out of the markup stripping.
  return plain.replace(/\u0000(\d+)\u0000/g, (_match, index: string) => spans[Number(index)] ?? '');
}

function decodeEntity(match: string, decimal?: string, hex?: string, name?: string): string {
  if (name !== undefined) return ENTITIES[name.toLowerCase()] ?? match;
  const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex ?? '', 16);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
}
