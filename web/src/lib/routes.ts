/** Hash routes (`#/chat`, `#/documents/notes/12`): the server needs no route per page and keys never enter the URL. */
export type PageName = 'chat' | 'documents' | 'ingestion' | 'search' | 'benchmarks' | 'analytics' | 'status';

/** `adminOnly` pages are left out of the navigation for keys below scope admin (the server refuses them anyway). */
export const PAGES: { name: PageName; label: string; adminOnly?: boolean }[] = [
  { name: 'chat', label: 'Chat' },
  { name: 'documents', label: 'Documents' },
  { name: 'ingestion', label: 'Ingestion' },
  { name: 'search', label: 'Search' },
  { name: 'benchmarks', label: 'Benchmarks' },
  { name: 'analytics', label: 'Analytics', adminOnly: true },
  { name: 'status', label: 'Status' },
];

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

/** Where a cited document opens: the Documents page of its collection, detail of that document. */
export function documentHref(collection: string, documentId: number): string {
  return hrefFor('documents', collection, documentId);
}
