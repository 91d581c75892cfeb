import type { KeyScope } from '../api/types.js';

/** Hash routes (`#/chat`, `#/documents/notes/12`): the server needs no route per page and keys never enter the URL. */
export type PageName = 'chat' | 'documents' | 'ingestion' | 'search' | 'benchmarks' | 'analytics' | 'status' | 'settings';

/**
 * The pages in navigation order. `scope` is the least key scope that may use a page: lower keys do not
 * see it at all (hidden, not shown and then refused). A new page is one entry here and one line in
 * app.tsx's page switch.
 */
export const PAGES: { name: PageName; label: string; scope: KeyScope }[] = [
  { name: 'chat', label: 'Chat', scope: 'read' },
  { name: 'documents', label: 'Documents', scope: 'read' },
  { name: 'ingestion', label: 'Ingestion', scope: 'read' },
  { name: 'search', label: 'Search', scope: 'read' },
  { name: 'benchmarks', label: 'Benchmarks', scope: 'admin' },
  { name: 'analytics', label: 'Analytics', scope: 'admin' },
  { name: 'status', label: 'Status', scope: 'read' },
  { name: 'settings', label: 'Settings', scope: 'read' },
];

const RANK: Record<KeyScope, number> = { read: 0, write: 1, admin: 2 };

/** Whether a key with scope `held` may do what `needed` allows (admin ⊃ write ⊃ read). */
export function scopeAllows(held: KeyScope, needed: KeyScope): boolean {
  return RANK[held] >= RANK[needed];
}

/** The pages a key with scope `held` sees. */
export function pagesFor(held: KeyScope): typeof PAGES {
  return PAGES.filter((page) => scopeAllows(held, page.scope));
}

export interface Route {
  page: PageName;
  /** Path segments after the page name, decoded. */
  args: string[];
}

export function parseHash(hash: string): Route {
  const segments = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  const [first, ...args] = segments;
  const page = PAGES.find((candidate) => candidate.name === first)?.name ?? 'chat';
  return { page, args: page === first ? args : [] };
}

export function hrefFor(page: PageName, ...args: (string | number)[]): string {
  return `#/${[page, ...args.map((arg) => encodeURIComponent(String(arg)))].join('/')}`;
}

/**
 * Where a document opens: the Documents page of its collection, detail of that document; with
 * `chunkIds`, the detail scrolls to those chunks and highlights them (a citation's passage).
 */
export function documentHref(collection: string, documentId: number, chunkIds: readonly number[] = []): string {
  // Ids and commas need no escaping: the link stays readable (`…/7/chunks/122,123`).
  return chunkIds.length > 0 ? `${hrefFor('documents', collection, documentId, 'chunks')}/${chunkIds.map((id) => Math.trunc(id)).join(',')}` : hrefFor('documents', collection, documentId);
}

/** The chunk ids a document route asks to highlight (`…/<id>/chunks/3,4`); empty when none. */
export function highlightedChunks(args: readonly string[]): number[] {
  if (args[2] !== 'chunks' || !args[3]) return [];
  return args[3].split(',').map(Number).filter((id) => Number.isInteger(id) && id > 0);
}
