import { load } from 'cheerio';
import type { Block } from '../../core/parsed-document.js';
import { htmlNestingDepth, NestingTooDeepError } from './nesting-depth.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';

/** The subset of a domhandler node this walker reads. */
interface DomNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

export interface HtmlContent {
  /** `<title>`, else the first `h1`, else `og:title`; '' when none. */
  title: string;
  blocks: Block[];
}

const DROPPED = 'script, style, noscript, template, svg, nav, header, footer, aside, form, iframe, button, select, input, textarea, link, meta';
const HEADING = /^h([1-6])$/;
const CONTAINERS = new Set([
  'html', 'body', 'main', 'article', 'section', 'div', 'blockquote', 'figure', 'figcaption', 'details',
  'summary', 'dl', 'dt', 'dd', 'center', 'address', 'fieldset', 'hgroup', 'caption', 'li', 'td', 'th',
  'tr', 'thead', 'tbody', 'tfoot',
]);
/** A cell holding more text than this is prose laid out with a table, not tabular data. */
const LAYOUT_CELL_CHARS = 400;

export interface HtmlOptions {
  /** Deepest element nesting accepted (ingest.limits.maxNestingDepth); deeper throws NestingTooDeepError. */
  maxDepth?: number;
}

/**
 * Reading-order blocks of an HTML document's main content (`main`, `article`, `[role=main]`, else
 * `body`), with navigation, scripts, styles and forms dropped: `h1`-`h6` become `heading`, `pre`
 * `code`, `table` a Markdown `table` (first row is the header), `ul`/`ol` one `text` block of
 * `- item` lines, and paragraphs and other flow content `text`.
 * The nesting depth is checked before the tree is built (see htmlNestingDepth); the recursive walks
 * below also stop at twice that depth, since parse5 adds implied elements (`html`, `body`, `tbody`)
 * that the pre-scan does not count, so no input can overflow the stack.
 */
export function htmlToBlocks(html: string, options: HtmlOptions = {}): HtmlContent {
  const maxDepth = options.maxDepth ?? DEFAULT_PARSE_LIMITS.maxNestingDepth;
  if (htmlNestingDepth(html, maxDepth) > maxDepth) throw new NestingTooDeepError(maxDepth);
  const $ = load(html);
  const title = clean($('title').first().text()) || clean($('h1').first().text()) || clean($('meta[property="og:title"]').attr('content') ?? '');
  $(DROPPED).remove();
  const mainCandidates = $('main, article, [role=main]');
  const root = (mainCandidates.get(0) ?? $('body').get(0) ?? $.root().get(0)) as unknown as DomNode | undefined;
  const blocks: Block[] = [];
  if (root) new Walker(blocks, maxDepth).walkChildren(root);
  return { title, blocks };
}

/** `depth + 1`, or NestingTooDeepError past twice `maxDepth` (plus the implied elements parse5 adds). */
function descend(depth: number, maxDepth: number): number {
  if (depth > 2 * maxDepth + 16) throw new NestingTooDeepError(maxDepth);
  return depth + 1;
}

class Walker {
  private pending = '';

  constructor(
    private readonly blocks: Block[],
    private readonly maxDepth: number,
  ) {}

  walkChildren(node: DomNode): void {
    for (const child of node.children ?? []) this.walk(child, 1);
    this.flush();
  }

  private walk(node: DomNode, depth: number): void {
    const below = descend(depth, this.maxDepth);
    if (node.type === 'text') {
      this.pending += (node.data ?? '').replace(/[ \t\r\n\f]+/g, ' ');
      return;
    }
    if (node.type !== 'tag' || !node.name) {
      for (const child of node.children ?? []) this.walk(child, below);
      return;
    }
    const name = node.name;
    const heading = HEADING.exec(name);
    if (heading) {
      this.flush();
      const text = clean(textOf(node, this.maxDepth));
      const anchor = node.attribs?.id?.trim();
      if (text) this.blocks.push(anchor ? { kind: 'heading', level: Number(heading[1]), text, anchor } : { kind: 'heading', level: Number(heading[1]), text });
    } else if (name === 'pre') {
      this.flush();
      const text = rawTextOf(node, this.maxDepth).replace(/^\n/, '').replace(/\s+$/, '');
      if (text.trim()) this.blocks.push({ kind: 'code', text });
    } else if (name === 'table' && isLayoutTable(node, this.maxDepth)) {
      this.flush();
      for (const child of node.children ?? []) this.walk(child, below);
      this.flush();
    } else if (name === 'table') {
      this.flush();
      const table = renderTable(node, this.maxDepth);
      if (table) this.blocks.push(table);
    } else if (name === 'ul' || name === 'ol') {
      this.flush();
      const lines: string[] = [];
      renderList(node, 0, lines, this.maxDepth);
      if (lines.length > 0) this.blocks.push({ kind: 'text', text: lines.join('\n') });
    } else if (name === 'br') {
      this.pending += '\n';
    } else if (name === 'p' || CONTAINERS.has(name)) {
      this.flush();
      for (const child of node.children ?? []) this.walk(child, below);
      this.flush();
    } else {
      for (const child of node.children ?? []) this.walk(child, below);
    }
  }

  private flush(): void {
    const text = this.pending
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join('\n');
    if (text) this.blocks.push({ kind: 'text', text });
    this.pending = '';
  }
}

function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function textOf(node: DomNode, maxDepth: number, depth = 0): string {
  if (node.type === 'text') return node.data ?? '';
  if (node.name === 'br') return '\n';
  const below = descend(depth, maxDepth);
  let out = '';
  for (const child of node.children ?? []) {
    const text = textOf(child, maxDepth, below);
    // Block children inside an inline-rendered node must not glue words together.
    out += child.type === 'tag' && child.name && (CONTAINERS.has(child.name) || child.name === 'p') ? ` ${text} ` : text;
  }
  return out;
}

function rawTextOf(node: DomNode, maxDepth: number, depth = 0): string {
  if (node.type === 'text') return node.data ?? '';
  if (node.name === 'br') return '\n';
  const below = descend(depth, maxDepth);
  return (node.children ?? []).map((child) => rawTextOf(child, maxDepth, below)).join('');
}

function childTags(node: DomNode, names: ReadonlySet<string>): DomNode[] {
  return (node.children ?? []).filter((child) => child.type === 'tag' && child.name !== undefined && names.has(child.name));
}

const SECTIONS = new Set(['thead', 'tbody', 'tfoot']);
const ROW = new Set(['tr']);
const CELLS = new Set(['td', 'th']);
const ITEMS = new Set(['li']);
const LISTS = new Set(['ul', 'ol']);

function renderTable(table: DomNode, maxDepth: number): Block | undefined {
  const rows = [...childTags(table, ROW), ...childTags(table, SECTIONS).flatMap((section) => childTags(section, ROW))];
  const cells = rows
    .map((row) => childTags(row, CELLS).map((cell) => clean(textOf(cell, maxDepth)).replace(/\|/g, '\\|')))
    .filter((row) => row.some((cell) => cell !== ''));
  if (cells.length === 0) return undefined;
  const width = Math.max(...cells.map((row) => row.length));
  const render = (row: string[]): string => `| ${Array.from({ length: width }, (_, index) => row[index] ?? '').join(' | ')} |`;
  const header = `${render(cells[0] ?? [])}\n|${' --- |'.repeat(width)}`;
  const text = [header, ...cells.slice(1).map(render)].join('\n');
  return { kind: 'table', text, header };
}

/** Tables used for page layout (old sites put whole essays in one cell) are read as flow content. */
function isLayoutTable(table: DomNode, maxDepth: number): boolean {
  const rows = [...childTags(table, ROW), ...childTags(table, SECTIONS).flatMap((section) => childTags(section, ROW))];
  return rows.some((row) => childTags(row, CELLS).some((cell) => clean(textOf(cell, maxDepth)).length > LAYOUT_CELL_CHARS));
}

function renderList(list: DomNode, depth: number, lines: string[], maxDepth: number): void {
  descend(depth, maxDepth);
  const ordered = list.name === 'ol';
  childTags(list, ITEMS).forEach((item, index) => {
    const own = (item.children ?? []).filter((child) => !(child.type === 'tag' && child.name && LISTS.has(child.name)));
    const text = clean(own.map((child) => textOf(child, maxDepth)).join(''));
    if (text) lines.push(`${'  '.repeat(depth)}${ordered ? `${index + 1}.` : '-'} ${text}`);
    for (const nested of childTags(item, LISTS)) renderList(nested, depth + 1, lines, maxDepth);
  });
}
