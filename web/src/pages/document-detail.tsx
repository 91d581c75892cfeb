import { useEffect, useRef, useState } from 'react';
import type { ChunkRecord, DocumentRecord } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { hrefFor } from '../lib/routes.js';

/** One document with its chunks; re-ingest (a job) and delete (after a confirming click). */
export function DocumentDetail({ collection, id, onChanged }: { collection: string; id: string; onChanged: () => void }) {
  const { client, jobs, navigate } = useApp();
  const [detail, setDetail] = useState<{ document: DocumentRecord; chunks: ChunkRecord[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement | null>(null);

  useEffect(() => {
    setDetail(null);
    setConfirming(false);
    client.document(collection, id).then(
      (result) => {
        setDetail(result);
        setError(null);
        requestAnimationFrame(() => heading.current?.focus());
      },
      setError,
    );
  }, [client, collection, id]);

  const close = () => navigate(hrefFor('documents'));

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
            <dd>{detail.document.relativePath}</dd>
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
            {confirming ? (
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
            )}
          </div>
          <h3>Chunks</h3>
          <ol className="chunk-list">
            {detail.chunks.map((chunk) => (
              <li key={chunk.id} id={`chunk-${chunk.id}`}>
                <p className="muted small">
                  #{chunk.ordinal + 1} · {chunk.tokenCount} tokens
                  {chunk.pageStart !== undefined ? ` · page ${chunk.pageStart}${chunk.pageEnd !== undefined && chunk.pageEnd !== chunk.pageStart ? `-${chunk.pageEnd}` : ''}` : ''}
                  {chunk.lineStart !== undefined ? ` · lines ${chunk.lineStart}-${chunk.lineEnd ?? chunk.lineStart}` : ''}
                  {chunk.headingPath.length > 0 ? ` · ${chunk.headingPath.join(' / ')}` : ''}
                </p>
                <pre className="chunk-text">{chunk.text}</pre>
              </li>
            ))}
          </ol>
        </>
      ) : !error ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}
