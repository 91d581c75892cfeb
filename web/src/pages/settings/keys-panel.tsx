import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiKey, KeyScope } from '../../api/types.js';
import { useApp } from '../../app-context.js';
import { Icon } from '../../components/icons.js';
import { ProblemNotice } from '../../components/problem-notice.js';

function when(value: string | null): string {
  return value ? new Date(value).toLocaleString() : 'never';
}

/**
 * API keys (admins only): list with scope and last use, create with a name and scope (the secret is
 * shown once, right here, and never again), revoke after a confirming click. The key logged in is
 * marked and cannot be revoked from here, so an admin cannot lock the browser out mid-session.
 */
export function KeysPanel() {
  const { client, settings } = useApp();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<KeyScope>('read');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    try {
      setKeys((await client.keys()).keys);
    } catch (failure) {
      setError(failure);
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      const result = await client.createKey(name.trim() || 'unnamed', scope);
      setCreated({ name: result.name, key: result.key });
      setCopied(false);
      setName('');
      await load();
    } catch (failure) {
      setError(failure);
    }
  };

  const revoke = async (id: string) => {
    setError(null);
    try {
      await client.revokeKey(id);
      setConfirming(null);
      await load();
    } catch (failure) {
      setError(failure);
    }
  };

  const active = keys?.filter((key) => key.revokedAt === null) ?? [];
  const revoked = keys?.filter((key) => key.revokedAt !== null) ?? [];

  return (
    <section className="card" aria-labelledby="settings-keys">
      <h2 id="settings-keys">API keys</h2>
      <p className="muted small">read: search, ask and chat · write: also add and delete documents and collections · admin: also keys, settings, benchmarks and backups.</p>
      <form className="settings-form inline-form" onSubmit={create} aria-label="Create an API key">
        <div className="field grow">
          <label htmlFor="new-key-name">Key name</label>
          <input id="new-key-name" value={name} maxLength={100} placeholder="who or what uses it" onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="new-key-scope">Scope</label>
          <select id="new-key-scope" value={scope} onChange={(event) => setScope(event.target.value as KeyScope)}>
            <option value="read">read</option>
            <option value="write">write</option>
            <option value="admin">admin</option>
          </select>
        </div>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      {created ? (
        <div className="notice notice-warn new-key" role="status" aria-label="New API key">
          <p>
            <strong>Key “{created.name}”: copy it now.</strong> It is shown only this once; the server keeps only a hash of it.
          </p>
          <div className="secret-row">
            <input readOnly value={created.key} aria-label="New API key value" onFocus={(event) => event.currentTarget.select()} />
            <button
              type="button"
              className="secondary"
              onClick={async () => {
                try {
                  await navigator.clipboard.writeText(created.key);
                  setCopied(true);
                } catch {
                  setCopied(false);
                }
              }}
            >
              <Icon name="copy" /> {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="secondary" onClick={() => setCreated(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {keys ? (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col" className="optional-column">Prefix</th>
                <th scope="col" className="optional-column">Created</th>
                <th scope="col">Last use</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...active, ...revoked].map((key) => {
                const mine = key.id === settings?.key?.id;
                return (
                  <tr key={key.id} className={key.revokedAt ? 'revoked' : undefined}>
                    <th scope="row" className="break">
                      {key.name}
                      {mine ? <span className="badge">this browser</span> : null}
                    </th>
                    <td>{key.scopes.join(', ')}</td>
                    <td className="optional-column">
                      <code>{key.prefix}…</code>
                    </td>
                    <td className="tabular optional-column">{when(key.createdAt)}</td>
                    <td className="tabular">{when(key.lastUsedAt)}</td>
                    <td>
                      {key.revokedAt ? (
                        <span className="status tone-neutral">revoked</span>
                      ) : mine ? null : confirming === key.id ? (
                        <span className="button-row">
                          <button type="button" className="danger small" aria-label={`Confirm revoke ${key.name}`} onClick={() => void revoke(key.id)}>
                            Revoke
                          </button>
                          <button type="button" className="secondary small" onClick={() => setConfirming(null)}>
                            Keep
                          </button>
                        </span>
                      ) : (
                        <button type="button" className="danger-outline small" aria-label={`Revoke ${key.name}`} onClick={() => setConfirming(key.id)}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : !error ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}
