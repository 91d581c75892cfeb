import { useEffect, useState } from 'react';
import type { DocumentPage, DocumentSort } from '../api/types.js';
import { useApp } from '../app-context.js';
import { CollectionPicker } from '../components/collection-picker.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { documentHref, highlightedChunks, scopeAllows } from '../lib/routes.js';
import { DocumentDetail } from './document-detail.js';
import { UploadPanel } from './upload-panel.js';

const PAGE_SIZE = 50;

/** Debounced value: changes `delayMs` after the last change of `value`. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/**
 * Documents of a collection: upload, and a list paginated, filtered and sorted by the server (one
 * page of 50 at a time, so 100k documents cost the same as 100). `#/documents/<collection>/<id>`
 * opens a document's detail.
 */
export function DocumentsPage({ args }: { args: string[] }) {
  const { client, collection, setCollection, jobs, scope } = useApp();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<DocumentSort>('path');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [reload, setReload] = useState(0);
  const q = useDebounced(filter.trim(), 250);
  const [routeCollection, routeId] = args;

  useEffect(() => {
    if (routeCollection && routeCollection !== collection) setCollection(routeCollection);
  }, [routeCollection, collection, setCollection]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: back to the first page whenever the query, order or collection changes.
  useEffect(() => setOffset(0), [q, sort, order, collection]);

  const finishedJobs = jobs.jobs.filter((job) => job.collection === collection && job.finishedAt !== null).length;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the page reloads when a job of this collection finishes (finishedJobs).
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    client
      .documents(collection, { q: q || undefined, sort, order, limit: PAGE_SIZE, offset }, controller.signal)
      .then((result) => {
        setPage(result);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (controller.signal.aborted) return;
        if ((failure as { status?: number }).status === 404) setPage({ total: 0, limit: PAGE_SIZE, offset: 0, items: [] });
        else setError(failure);
      })
      .finally(() => !controller.signal.aborted && setLoading(false));
    return () => controller.abort();
  }, [client, collection, q, sort, order, offset, reload, finishedJobs]);

  const total = page?.total ?? 0;
  const failures = new Map<string, string>();
  for (const job of jobs.jobs) if (job.collection === collection) for (const failure of job.errors) if (!failures.has(failure.file)) failures.set(failure.file, `${failure.code}: ${failure.reason}`);

  return (
    <div className="page documents-page">
      <div className="page-header">
        <h1>Documents</h1>
        <CollectionPicker id="documents-collection" />
      </div>
      {routeId ? <DocumentDetail collection={collection} id={routeId} highlight={highlightedChunks(args)} onChanged={() => setReload((n) => n + 1)} /> : null}
      {scopeAllows(scope, 'write') ? <UploadPanel /> : null}
      <section className="card" aria-labelledby="documents-list-heading">
        <div className="list-toolbar">
          <h2 id="documents-list-heading">
            {total.toLocaleString()} document{total === 1 ? '' : 's'}
          </h2>
          <div className="field">
            <label htmlFor="documents-filter">Filter documents</label>
            <input id="documents-filter" type="search" value={filter} placeholder="Path or title" onChange={(event) => setFilter(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="documents-sort">Sort by</label>
            <select id="documents-sort" value={sort} onChange={(event) => setSort(event.target.value as DocumentSort)}>
              <option value="path">Path</option>
              <option value="title">Title</option>
              <option value="modified">Modified</option>
              <option value="ingested">Ingested</option>
              <option value="chunks">Chunks</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="documents-order">Order</label>
            <select id="documents-order" value={order} onChange={(event) => setOrder(event.target.value as 'asc' | 'desc')}>
              <option value="asc">Ascending</option>
              <option value="desc">Descending</option>
            </select>
          </div>
        </div>
        <ProblemNotice error={error} onDismiss={() => setError(null)} />
        <div className="table-wrap" aria-busy={loading}>
          <table className="data-table">
            <caption className="visually-hidden">Documents of {collection}</caption>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col" className="optional-column">Title</th>
                <th scope="col" className="optional-column">Format</th>
                <th scope="col" className="numeric">Chunks</th>
                <th scope="col">Status</th>
                <th scope="col" className="optional-column">Ingested</th>
              </tr>
            </thead>
            <tbody>
              {page?.items.map((document) => {
                const failed = failures.get(document.relativePath) ?? document.error ?? null;
                return (
                  <tr key={document.id} className={String(document.id) === routeId ? 'selected' : undefined}>
                    <td>
                      <a href={documentHref(collection, document.id)}>{document.relativePath}</a>
                    </td>
                    <td className="optional-column">{document.title}</td>
                    <td className="optional-column">{document.format}</td>
                    <td className="numeric tabular">{document.chunkCount.toLocaleString()}</td>
                    <td>
                      <span className={`status status-${failed ? 'failed' : (document.status ?? 'ingested')}`} title={failed ?? undefined}>
                        {failed ? 'error' : (document.status ?? 'ingested')}
                      </span>
                    </td>
                    <td className="tabular optional-column">{new Date(document.ingestedAt).toLocaleString()}</td>
                  </tr>
                );
              })}
              {page && page.items.length === 0 ? (
                <tr>
                  <td colSpan={6} className="muted">
                    {q ? `No document matches “${q}”.` : scopeAllows(scope, 'write') ? 'No documents yet. Drop some files above.' : 'No documents yet.'}
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <nav className="pager" aria-label="Document pages">
          <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
            Previous page
          </button>
          <span className="tabular" aria-live="polite">
            {total === 0 ? '0' : `${offset + 1}–${Math.min(offset + PAGE_SIZE, total)}`} of {total.toLocaleString()}
          </span>
          <button type="button" className="secondary" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
            Next page
          </button>
        </nav>
      </section>
    </div>
  );
}
