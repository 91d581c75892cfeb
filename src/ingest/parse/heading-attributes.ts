/**
 * Heading attribute lists of Markdown dialects, split from the heading text: Pandoc and PHP Markdown
 * Extra `{#id .class}`, kramdown `{: #id}`, Python-Markdown attr_list / MkDocs `{ #id .class key="v" }`
 * and `{ data-search-exclude }`, Writerside `{id="x" collapsible="true"}`, and the React docs' MDX
 * comment `{/*id*\/}`. The id becomes the heading's anchor (for deep links: `page.html#id`).
 *
 * Contract: only a brace group at the very end of the heading whose every item is an id (`#x`), a
 * class (`.x`), a `key=value` pair or, beside one of those or with a hyphen, a bare key is an
 * attribute list; anything else (`-target {es5|es2015}`, `{'name': 'John'}`, `{plugin.a>plugin.b}`)
 * stays in the text. The text is trimmed; the anchor is the last id given (`#x` or `id=`).
 */
/** Ids and classes may hold any non-space character but braces, quotes and `=` (Vue's `{#wai-aria-–-…}`). */
const ITEM = String.raw`(?:#[^\s{}"'=#]+|\.[^\s{}"'=#.]+|[\w:-]+=(?:"[^"]*"|'[^']*'|[^\s"'{}]+)|[\w:-]+)`;
/** The whole content of the brace group: items separated by whitespace, nothing else. */
const ATTRIBUTE_LIST = new RegExp(`^${ITEM}(?:\\s+${ITEM})*$`);
const ITEMS = new RegExp(ITEM, 'g');
const TRAILING_GROUP = /\s*\{:?\s*((?:[^{}"']|"[^"]*"|'[^']*')*?)\s*\}\s*$/;
const MDX_ANCHOR = /\s*\{\/\*\s*([^\s{}*]+)\s*\*\/\}\s*$/;

export interface HeadingText {
  text: string;
  anchor?: string;
}

export function splitHeadingAttributes(heading: string): HeadingText {
  const mdx = MDX_ANCHOR.exec(heading);
  if (mdx) return withAnchor(heading.slice(0, mdx.index).trim(), mdx[1]);
  const group = TRAILING_GROUP.exec(heading);
  if (!group) return { text: heading.trim() };
  const content = group[1] ?? '';
  if (!ATTRIBUTE_LIST.test(content)) return { text: heading.trim() };
  const items = content.match(ITEMS) ?? [];
  const structured = items.some((item) => /^[#.]|=/.test(item));
  if (!structured && !items.every((item) => item.includes('-'))) return { text: heading.trim() };
  let anchor: string | undefined;
  for (const item of items) {
    if (item.startsWith('#')) anchor = item.slice(1);
    else if (/^id=/.test(item)) anchor = item.slice(3).replace(/^["']|["']$/g, '');
  }
  return withAnchor(heading.slice(0, group.index).trim(), anchor);
}

function withAnchor(text: string, anchor: string | undefined): HeadingText {
  return anchor ? { text, anchor } : { text };
}
