import { Fragment, type ReactNode } from 'react';
import { highlightCode } from './highlight.js';

/**
 * A small Markdown renderer that builds React elements directly, so text from the model can never
 * become markup: headings, paragraphs, lists, block quotes, rules, fenced code (highlighted), inline
 * code, bold, italic, links (http, https, mailto and same-site paths only) and citation markers
 * `[1]`, `[1, 3]`. An unclosed code fence (an answer still streaming) runs to the end of the text.
 */
export interface MarkdownOptions {
  /** Renders citation `n`; return null to leave the marker as text (unknown source). */
  renderCitation?: (n: number, key: string) => ReactNode | null;
}

type Block =
  | { type: 'heading'; level: number; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'code'; language: string; code: string }
  | { type: 'list'; ordered: boolean; start: number; items: string[] }
  | { type: 'quote'; text: string }
  | { type: 'rule' };

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(.*)$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

export function parseBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let index = 0;
  const startsBlock = (line: string) => FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || ORDERED.test(line) || QUOTE.test(line) || RULE.test(line);
  while (index < lines.length) {
    const line = lines[index] as string;
    if (line.trim() === '') {
      index++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1] as string;
      const code: string[] = [];
      index++;
      while (index < lines.length && !(lines[index] as string).trimStart().startsWith(marker)) code.push(lines[index++] as string);
      index++;
      blocks.push({ type: 'code', language: fence[2] ?? '', code: code.join('\n') });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: 'heading', level: (heading[1] as string).length, text: heading[2] ?? '' });
      index++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: 'rule' });
      index++;
      continue;
    }
    if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (index < lines.length && QUOTE.test(lines[index] as string)) quoted.push((QUOTE.exec(lines[index++] as string) as RegExpExecArray)[1] ?? '');
      blocks.push({ type: 'quote', text: quoted.join('\n') });
      continue;
    }
    const ordered = ORDERED.exec(line);
    if (ordered || BULLET.test(line)) {
      const pattern = ordered ? ORDERED : BULLET;
      const items: string[] = [];
      while (index < lines.length) {
        const current = lines[index] as string;
        const match = pattern.exec(current);
        if (match) {
          items.push((ordered ? match[2] : match[1]) ?? '');
        } else if (current.trim() !== '' && /^\s+/.test(current) && items.length > 0) {
          items[items.length - 1] += `\n${current.trim()}`;
        } else break;
        index++;
      }
      blocks.push({ type: 'list', ordered: Boolean(ordered), start: ordered ? Number(ordered[1]) : 1, items });
      continue;
    }
    const paragraph: string[] = [];
    while (index < lines.length && (lines[index] as string).trim() !== '' && (paragraph.length === 0 || !startsBlock(lines[index] as string))) paragraph.push((lines[index++] as string).trim());
    blocks.push({ type: 'paragraph', text: paragraph.join('\n') });
  }
  return blocks;
}

interface InlineRule {
  pattern: RegExp;
  render: (match: RegExpExecArray, key: string, options: MarkdownOptions) => ReactNode;
}

const INLINE_RULES: InlineRule[] = [
  { pattern: /`([^`\n]+)`/, render: (m, key) => <code key={key}>{m[1]}</code> },
  {
    pattern: /\[((?:\d{1,3})(?:\s*,\s*\d{1,3})*)\](?!\()/,
    render: (m, key, options) => {
      const numbers = (m[1] as string).split(',').map((part) => Number(part.trim()));
      const rendered = numbers.map((n, i) => options.renderCitation?.(n, `${key}-${i}`) ?? null);
      if (rendered.every((node) => node === null)) return m[0];
      return <Fragment key={key}>{rendered.map((node, i) => node ?? `[${numbers[i]}]`)}</Fragment>;
    },
  },
  {
    pattern: /\[([^\]\n]+)\]\(([^)\s]+)\)/,
    render: (m, key, options) => {
      const href = safeHref(m[2] as string);
      const label = renderInline(m[1] as string, options, key);
      return href ? <a key={key} href={href} target={href.startsWith('/') || href.startsWith('#') ? undefined : '_blank'} rel="noopener noreferrer">{label}</a> : <Fragment key={key}>{label}</Fragment>;
    },
  },
  { pattern: /\*\*(?=\S)([^\n]*?\S)\*\*|__(?=\S)([^\n]*?\S)__/, render: (m, key, options) => <strong key={key}>{renderInline((m[1] ?? m[2]) as string, options, key)}</strong> },
  { pattern: /(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?!\*)|(?<!\w)_(?=\S)([^_\n]*?\S)_(?!\w)/, render: (m, key, options) => <em key={key}>{renderInline((m[1] ?? m[2]) as string, options, key)}</em> },
];

/** Only web and mail links and paths on this site; `javascript:` and the like become plain text. */
export function safeHref(href: string): string | null {
  if (/^(https?:|mailto:)/i.test(href)) return href;
  if (/^(\/(?!\/)|#)/.test(href)) return href;
  return null;
}

/** Inline Markdown of one block as React nodes: the earliest match wins; ties go to the earlier rule. */
export function renderInline(text: string, options: MarkdownOptions = {}, keyPrefix = 'i'): ReactNode[] {
  const nodes: ReactNode[] = [];
  let rest = text;
  let counter = 0;
  while (rest.length > 0) {
    let best: { match: RegExpExecArray; rule: InlineRule } | null = null;
    for (const rule of INLINE_RULES) {
      const match = rule.pattern.exec(rest);
      if (match && (best === null || match.index < best.match.index)) best = { match, rule };
    }
    if (!best) {
      nodes.push(...withBreaks(rest, `${keyPrefix}-${counter}`));
      break;
    }
    if (best.match.index > 0) nodes.push(...withBreaks(rest.slice(0, best.match.index), `${keyPrefix}-${counter++}`));
    nodes.push(best.rule.render(best.match, `${keyPrefix}-${counter++}`, options));
    rest = rest.slice(best.match.index + best.match[0].length);
  }
  return nodes;
}

function withBreaks(text: string, key: string): ReactNode[] {
  const parts = text.split('\n');
  return parts.flatMap((part, i) => (i === 0 ? [part] : [<br key={`${key}-br${i}`} />, part]));
}

function CodeBlock({ code, language }: { code: string; language: string }) {
  const highlighted = highlightCode(code, language);
  return (
    <pre className="code-block" data-language={language || undefined}>
      {highlighted === null ? (
        <code>{code}</code>
      ) : (
        // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js escapes the code and adds only its own span markup.
        <code className={`hljs language-${language}`} dangerouslySetInnerHTML={{ __html: highlighted }} />
      )}
    </pre>
  );
}

export function Markdown({ text, options = {} }: { text: string; options?: MarkdownOptions }) {
  return (
    <div className="markdown">
      {parseBlocks(text).map((block, i) => {
        const key = `b${i}`;
        switch (block.type) {
          case 'heading': {
            const Tag = `h${Math.min(6, block.level + 2)}` as 'h3';
            return <Tag key={key}>{renderInline(block.text, options, key)}</Tag>;
          }
          case 'paragraph':
            return <p key={key}>{renderInline(block.text, options, key)}</p>;
          case 'code':
            return <CodeBlock key={key} code={block.code} language={block.language} />;
          case 'quote':
            return <blockquote key={key}>{renderInline(block.text, options, key)}</blockquote>;
          case 'rule':
            return <hr key={key} />;
          case 'list': {
            const items = block.items.map((item, j) => <li key={`${key}-${j}`}>{renderInline(item, options, `${key}-${j}`)}</li>);
            return block.ordered ? <ol key={key} start={block.start === 1 ? undefined : block.start}>{items}</ol> : <ul key={key}>{items}</ul>;
          }
        }
      })}
    </div>
  );
}
