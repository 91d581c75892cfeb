import { useEffect, useState } from 'react';
import type { Readiness } from '../../api/types.js';
import { useApp } from '../../app-context.js';
import { ProblemNotice } from '../../components/problem-notice.js';
import { rerankerState } from '../../lib/reranker-state.js';
import { hrefFor } from '../../lib/routes.js';

function State({ ok, text }: { ok: boolean | null; text: string }) {
  return <span className={`status tone-${ok === null ? 'neutral' : ok ? 'ok' : 'failed'}`}>{text}</span>;
}

/**
 * The models in effect, read-only: they are chosen in the configuration (file or environment) and
 * loaded at start, so changing them needs a restart. Endpoint states come from `/readyz`.
 */
export function ModelsPanel() {
  const { client, settings } = useApp();
  const [ready, setReady] = useState<Readiness | null>(null);
  const [limited, setLimited] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    // Without an admin key `/readyz` sends the status alone.
    client.readiness().then((answer) => ('store' in answer ? setReady(answer) : setLimited(true)), setError);
  }, [client]);

  const models = settings?.models;
  return (
    <section className="card" aria-labelledby="settings-models">
      <h2 id="settings-models">Models and endpoints</h2>
      <p className="muted small">Chosen in the server’s configuration (cairn.config.json or its environment) and loaded at start; a change needs a restart. Live state on the <a href={hrefFor('status')}>Status</a> page.</p>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      <dl className="facts">
        <dt>Embedder of new collections</dt>
        <dd className="break">{models?.embedder ?? '…'}</dd>
        <dt>Embedders in use</dt>
        <dd>
          {ready ? (
            ready.embedders.length === 0 ? (
              'none yet'
            ) : (
              <ul className="plain-list">
                {ready.embedders.map((embedder) => (
                  <li key={embedder.id}>
                    <span className="break">{embedder.id}</span> <State ok={embedder.loaded} text={embedder.loaded ? 'loaded' : 'lexical only'} />{' '}
                    <span className="muted small">{embedder.collections.join(', ')}</span>
                  </li>
                ))}
              </ul>
            )
          ) : (
            limited ? 'shown to admin keys' : '…'
          )}
        </dd>
        <dt>Reranker</dt>
        <dd className="break">
          {models?.reranker ?? '…'} {ready?.reranker ? <State {...rerankerState(ready.reranker)} /> : null}
        </dd>
        <dt>Language model</dt>
        <dd className="break">
          {ready ? (
            ready.llm.available ? (
              <>
                {ready.llm.model ?? ready.llm.id} <State ok text="available" />
              </>
            ) : (
              <>
                <State ok={false} text={ready.llm.configured ? 'unreachable' : 'not configured'} /> <span className="muted small">answers are extractive</span>
              </>
            )
          ) : (
            limited ? 'shown to admin keys' : '…'
          )}
        </dd>
      </dl>
      {ready && ready.llm.endpoints.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Language model endpoints</caption>
            <thead>
              <tr>
                <th scope="col">Endpoint</th>
                <th scope="col">Circuit breaker</th>
                <th scope="col" className="numeric optional-column">Failures</th>
              </tr>
            </thead>
            <tbody>
              {ready.llm.endpoints.map((endpoint) => (
                <tr key={endpoint.url}>
                  <td className="break">{endpoint.url}</td>
                  <td>
                    <State ok={endpoint.state === 'closed' ? true : endpoint.state === 'open' ? false : null} text={endpoint.state} />
                  </td>
                  <td className="numeric tabular optional-column">{endpoint.consecutiveFailures}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
