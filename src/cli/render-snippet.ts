/** Select Graphic Rendition: bold on, and "normal intensity" (ends bold without resetting other attributes). */
const BOLD = '\x1b[1m';
const NOT_BOLD = '\x1b[22m';

/**
 * Whether to style output for a terminal: a TTY, unless `NO_COLOR` is set (no-color.org) or the
 * terminal is `dumb`. Pipes and files get plain text.
 */
export function terminalStyles(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb';
}

/** A search snippet with its highlights in bold (ANSI) when `styled`, as plain text otherwise; whitespace runs collapsed. */
export function renderSnippet(snippet: string, highlights: ReadonlyArray<readonly [number, number]>, styled: boolean): string {
  if (!styled || highlights.length === 0) return snippet.replace(/\s+/g, ' ');
  let out = '';
  let cursor = 0;
  for (const [start, end] of highlights) {
    if (start < cursor || end > snippet.length) continue;
    out += `${snippet.slice(cursor, start)}${BOLD}${snippet.slice(start, end)}${NOT_BOLD}`;
    cursor = end;
  }
  return (out + snippet.slice(cursor)).replace(/\s+/g, ' ');
}
