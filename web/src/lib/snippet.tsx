import type { ReactNode } from 'react';

/** A search snippet whose matches the server wrapped in `**` as text with `<mark>` (no HTML parsing). */
export function highlightSnippet(snippet: string): ReactNode[] {
  return snippet.split('**').map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}
