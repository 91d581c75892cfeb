import { useEffect, useRef, useState } from 'react';
import type { ChunkRecord, DocumentRecord, DocumentSourceActions } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { downloadBlob } from '../lib/download.js';
import { hrefFor, scopeAllows } from '../lib/routes.js';

/**
 * One document with its chunks. Offers what its source still allows: re-ingest (a job) and the
 * original file, for keys that may; delete after a confirming click. `highlight` (a citation's
 * chunk ids) scrolls to those chunks and marks them.
 */
export function DocumentDetail({ collection, id, highlight = [], onChanged }: { collection: string; id: string; highlight?: readonly number[]; onChanged: () => void }) {
  const { client, jobs, navigate, scope } = useApp();
  const [detail, setDetail] = useState<{ document: DocumentRecord; chunks: ChunkRecord[]; source?: DocumentSourceActions } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const heading = useRef<HTMLHeadingElement | null>(null);
  const cited = new Set(highlight);
  const highlightKey = highlight.join(',');

  useEffect(() => {
    setDetail(null);
    setConfirming(false);
    client.document(collection, id).then(
      (result) => {
        setDetail(result);
        setError(null);
      },
      setError,
    );
  }, [client, collection, id]);

  // Once the chunks are on the page: the cited passage into view (and focus on it), else the heading.
  useEffect(() => {
    if (!detail) return;
    requestAnimationFrame(() => {
      const first = highlightKey ? document.querySelector<HTMLElement>('.chunk-list li.cited') : null;
      if (first) {
        first.scrollIntoView({ block: 'center' });
        first.focus({ preventScroll: true });
      } else {
        heading.current?.focus();
      }
    });
  }, [detail, highlightKey]);

  const close = () => navigate(hrefFor('documents'));
  const source = detail?.source;
  const canWrite = scopeAllows(scope, 'write');

  const download = async () => {
    if (!detail) return;
    setDownloading(true);
    try {
      const { blob, name } = await client.originalFile(collection, detail.document.id);
      downloadBlob(name, blob);
    } catch (failure) {
      setError(failure);
    } finally {
      setDownloading(false);
    }
  };

  return (
    <section className="card document-detail" aria-labelledby="document-heading">
      <div className="card-header">
        <h2 id="document-heading" ref={heading} tabIndex={-1}>
          {detail ? detail.document.title || detail.document.relativePath : `Document ${id}`}
        </h2>
        <button type="button" className="icon-button" aria-label="Close document" onClick={close}>
          <Icon name="close" />
        </button>
      </div>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {detail ? (
        <>
          <dl className="facts">
            <dt>Path</dt>
            <dd className="break">{detail.document.relativePath}</dd>
            <dt>Source</dt>
            <dd className="break">{detail.document.uri}</dd>
            <dt>Format</dt>
            <dd>{detail.document.format}{detail.document.language ? ` (${detail.document.language})` : ''}</dd>
            <dt>Size</dt>
            <dd>{detail.document.sizeBytes.toLocaleString()} bytes</dd>
            <dt>Chunks</dt>
            <dd>{detail.document.chunkCount}</dd>
            <dt>Tags</dt>
            <dd>{detail.document.tags.join(', ') || 'none'}</dd>
            <dt>Ingested</dt>
            <dd>{new Date(detail.document.ingestedAt).toLocaleString()}</dd>
          </dl>
          <div className="button-row">
            {source?.original ? (
              <button type="button" className="secondary" disabled={downloading} onClick={() => void download()}>
                <Icon name="download" /> Download original
              </button>
            ) : null}
            {canWrite && source?.reingest ? (
              <button
                type="button"
                className="secondary"
                onClick={async () => {
                  try {
                    const { job } = await client.reingestDocument(collection, detail.document.id);
                    jobs.track(job);
                    navigate(hrefFor('ingestion'));
                  } catch (failure) {
                    setError(failure);
                  }
                }}
              >
                <Icon name="refresh" /> Re-ingest
              </button>
            ) : null}
            {canWrite ? (
              confirming ? (
                <>
                  <button
                    type="button"
                    className="danger"
                    onClick={async () => {
                      try {
                        await client.deleteDocument(collection, detail.document.id);
                        onChanged();
                        close();
                      } catch (failure) {
                        setError(failure);
                      }
                    }}
                  >
                    Confirm delete
                  </button>
                  <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                    Keep document
                  </button>
                </>
              ) : (
                <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
                  <Icon name="trash" /> Delete document
                </button>
              )
            ) : null}
          </div>
          {source?.reason ? <p className="muted small source-reason">{source.reason}</p> : null}
          <h3>Chunks</h3>
          {cited.size > 0 ? <p className="muted small">The cited passage is highlighted.</p> : null}
          <ol className="chunk-list">
            {detail.chunks.map((chunk) => {
              const isCited = cited.has(chunk.id);
              return (
                <li key={chunk.id} id={`chunk-${chunk.id}`} className={isCited ? 'cited' : undefined} aria-current={isCited ? 'true' : undefined} tabIndex={isCited ? -1 : undefined}>
                  <p className="muted small">
                    #{chunk.ordinal + 1} · {chunk.tokenCount} tokens
                    {chunk.pageStart !== undefined ? ` · page ${chunk.pageStart}${chunk.pageEnd !== undefined && chunk.pageEnd !== chunk.pageStart ? `-${chunk.pageEnd}` : ''}` : ''}
                    {chunk.lineStart !== undefined ? ` · lines ${chunk.lineStart}-${chunk.lineEnd ?? chunk.lineStart}` : ''}
                    {chunk.headingPath.length > 0 ? ` · ${chunk.headingPath.join(' / ')}` : ''}
                    {isCited ? ' · cited' : ''}
                  </p>
                  <pre className="chunk-text">{chunk.text}</pre>
                </li>
              );
            })}
          </ol>
        </>
      ) : !error ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}
