import { useCallback, useEffect, useState } from 'react';
import type { Readiness, ReadinessStatus } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { rerankerState } from '../lib/reranker-state.js';

function bytes(value: unknown): string | null {
  if (typeof value !== 'number') return null;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${size.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

function State({ ok, text }: { ok: boolean | null; text: string }) {
  return <span className={`status status-${ok === null ? 'unknown' : ok ? 'succeeded' : 'failed'}`}>{text}</span>;
}

/** Whether a collection's vector count in the vector store matches the store's, and what to do when not. */
function driftText(c: { count: number; expected: number; inSync: boolean }): string {
  if (c.inSync) return 'in sync';
  if (c.count < c.expected) return `out of sync: ${c.expected - c.count} missing — run cairn index rebuild`;
  if (c.count > c.expected) return `out of sync: ${c.count - c.expected} extra — run cairn index rebuild`;
  return 'catching up (pushes were missed)';
}

/** Server readiness (`/readyz`): store, embedders, reranker, language model endpoints with circuit state. */
export function StatusPage() {
  const { client } = useApp();
  const [answer, setAnswer] = useState<Readiness | ReadinessStatus | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      setAnswer(await client.readiness());
      setError(null);
    } catch (failure) {
      setError(failure);
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  const ready = answer && 'store' in answer ? answer : null;
  const size = ready ? bytes(ready.store.sizeBytes) : null;
  const reranker = ready?.reranker;

  return (
    <div className="page status-page">
      <div className="page-header">
        <h1>Status</h1>
        <button type="button" className="secondary" onClick={() => void load()}>
          <Icon name="refresh" /> Refresh status
        </button>
      </div>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {answer && !ready ? (
        <section className="card" aria-labelledby="status-server">
          <h2 id="status-server">Server</h2>
          <dl className="facts">
            <dt>Readiness</dt>
            <dd>
              <State ok={answer.status === 'ready'} text={answer.status} />
            </dd>
          </dl>
          <p className="muted">The store, models and language model endpoints are shown to admin keys only.</p>
        </section>
      ) : null}
      {ready ? (
        <div className="status-grid">
          <section className="card" aria-labelledby="status-server">
            <h2 id="status-server">Server</h2>
            <dl className="facts">
              <dt>Readiness</dt>
              <dd>
                <State ok={ready.status === 'ready'} text={ready.status} />
              </dd>
              <dt>Version</dt>
              <dd>{ready.version}</dd>
              <dt>Data size</dt>
              <dd>{size ?? 'not reported'}</dd>
            </dl>
            <p className="link-row">
              <a href="/docs" target="_blank" rel="noopener">
                API reference (/docs)
              </a>
              <a href="/metrics" target="_blank" rel="noopener">
                Prometheus metrics (/metrics)
              </a>
            </p>
          </section>
          <section className="card" aria-labelledby="status-store">
            <h2 id="status-store">Store</h2>
            <dl className="facts">
              <dt>Kind</dt>
              <dd>{ready.store.kind}</dd>
              <dt>State</dt>
              <dd>
                <State ok={ready.store.ok} text={ready.store.ok ? 'answering' : (ready.store.error ?? 'unavailable')} />
              </dd>
              <dt>Collections</dt>
              <dd>{ready.store.collections ?? '–'}</dd>
              {ready.store.location ? (
                <>
                  <dt>Location</dt>
                  <dd className="break">{ready.store.location}</dd>
                </>
              ) : null}
            </dl>
          </section>
          {ready.vectorStore ? (
            <section className="card" aria-labelledby="status-vector-store">
              <h2 id="status-vector-store">Vector store</h2>
              <dl className="facts">
                <dt>Kind</dt>
                <dd>{ready.vectorStore.kind}</dd>
                <dt>Version</dt>
                <dd>{ready.vectorStore.version ?? 'not reported'}</dd>
                <dt>Heartbeat</dt>
                <dd>
                  <State
                    ok={ready.vectorStore.ok}
                    text={ready.vectorStore.ok ? `answering in ${ready.vectorStore.latencyMs ?? '?'} ms` : `${ready.vectorStore.error ?? 'unavailable'} — searching lexically`}
                  />
                </dd>
                <dt>Location</dt>
                <dd className="break">{ready.vectorStore.location}</dd>
              </dl>
              {ready.vectorStore.collections.length > 0 ? (
                <ul className="plain-list" aria-label="Vectors per collection">
                  {ready.vectorStore.collections.map((c) => (
                    <li key={c.collection}>
                      <strong>{c.collection}</strong> {c.count} of {c.expected} vectors <State ok={c.inSync} text={driftText(c)} />
                    </li>
                  ))}
                </ul>
              ) : ready.vectorStore.ok ? (
                <p className="muted">No collection has vectors yet.</p>
              ) : null}
            </section>
          ) : null}
          <section className="card" aria-labelledby="status-embedders">
            <h2 id="status-embedders">Embedders</h2>
            {ready.embedders.length === 0 ? <p className="muted">No collection yet.</p> : null}
            <ul className="plain-list">
              {ready.embedders.map((embedder) => (
                <li key={embedder.id}>
                  <strong className="break">{embedder.id}</strong> <State ok={embedder.loaded} text={embedder.loaded ? 'loaded' : 'lexical only'} />
                  <p className="muted small">
                    {embedder.collections.join(', ')}
                    {embedder.reason ? ` · ${embedder.reason}` : ''}
                  </p>
                </li>
              ))}
            </ul>
          </section>
          <section className="card" aria-labelledby="status-reranker">
            <h2 id="status-reranker">Reranker</h2>
            {reranker ? (
              <p>
                <strong>{reranker.id}</strong>{' '}
                <State {...rerankerState(reranker)} />
              </p>
            ) : (
              <p className="muted">Not reported by this server.</p>
            )}
          </section>
          <section className="card wide-card" aria-labelledby="status-llm">
            <h2 id="status-llm">Language model</h2>
            <p>
              {ready.llm.available ? (
                <>
                  <strong>{ready.llm.model ?? ready.llm.id}</strong> <State ok text="available" />
                </>
              ) : (
                <>
                  <State ok={false} text={ready.llm.configured ? 'unreachable' : 'not configured'} /> <span className="muted">Answers are extractive (quoted passages) until a model is reachable.</span>
                </>
              )}
            </p>
            {ready.llm.endpoints.length > 0 ? (
              <div className="table-wrap">
              <table className="data-table">
                <thead>
                  <tr>
                    <th scope="col">Endpoint</th>
                    <th scope="col">Circuit breaker</th>
                    <th scope="col" className="optional-column">Reachable</th>
                    <th scope="col" className="numeric optional-column">Consecutive failures</th>
                  </tr>
                </thead>
                <tbody>
                  {ready.llm.endpoints.map((endpoint) => (
                    <tr key={endpoint.url}>
                      <td className="break">{endpoint.url}</td>
                      <td>
                        <State ok={endpoint.state === 'closed' ? true : endpoint.state === 'open' ? false : null} text={endpoint.state} />
                      </td>
                      <td className="optional-column">{endpoint.reachable === undefined ? '–' : endpoint.reachable ? 'yes' : `no${endpoint.error ? `: ${endpoint.error}` : ''}`}</td>
                      <td className="numeric tabular optional-column">{endpoint.consecutiveFailures}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </div>
            ) : null}
          </section>
        </div>
      ) : !error && !answer ? (
        <p className="muted">Loading…</p>
      ) : null}
    </div>
  );
}
