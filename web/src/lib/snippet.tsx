import type { ReactNode } from 'react';

/**
 * A search snippet (plain text) with its highlights, `[start, end)` offsets from the server, in
 * `<mark>`; the text is rendered as text, never parsed as HTML or Markdown.
 */
export function highlightSnippet(snippet: string, highlights: ReadonlyArray<readonly [number, number]> = []): ReactNode[] {
  const parts: ReactNode[] = [];
  let cursor = 0;
  for (const [start, end] of highlights) {
    if (start < cursor || end > snippet.length || start >= end) continue;
    if (start > cursor) parts.push(snippet.slice(cursor, start));
    parts.push(<mark key={start}>{snippet.slice(start, end)}</mark>);
    cursor = end;
  }
  if (cursor < snippet.length) parts.push(snippet.slice(cursor));
  return parts;
}
