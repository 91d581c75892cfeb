import { useCallback, useEffect, useState } from 'react';
import { toApiError } from '../../api/api-error.js';
import type { BackupsView } from '../../api/types.js';
import { useApp } from '../../app-context.js';
import { ProblemNotice } from '../../components/problem-notice.js';

function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/**
 * Backups (admins), where the server has the backup API (`GET /v1/backups`): the archives, the backup
 * in progress, and a button to make one. On a server without it the panel says so in one line.
 */
export function BackupsPanel() {
  const { client } = useApp();
  const [view, setView] = useState<BackupsView | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const result = await client.backups();
      setView({ ...result, archives: Array.isArray(result.archives) ? result.archives : [] });
      setMissing(false);
    } catch (failure) {
      if (toApiError(failure).status === 404) setMissing(true);
      else setError(failure);
    }
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  // While a backup runs, look again every few seconds.
  useEffect(() => {
    if (!view?.running) return;
    const timer = setTimeout(() => void load(), 3000);
    return () => clearTimeout(timer);
  }, [view, load]);

  if (missing) {
    return (
      <section className="card" aria-labelledby="settings-backups">
        <h2 id="settings-backups">Backups</h2>
        <p className="muted small">This server has no backup API (GET /v1/backups answered 404); a newer Cairn makes and lists backups here.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-labelledby="settings-backups">
      <div className="card-header">
        <h2 id="settings-backups">Backups</h2>
        <button
          type="button"
          className="secondary"
          disabled={busy || Boolean(view?.running)}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await client.createBackup();
              await load();
            } catch (failure) {
              setError(failure);
            } finally {
              setBusy(false);
            }
          }}
        >
          {view?.running ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {view ? (
        <>
          <p className="muted small">
            {view.dir ? `Archives in ${view.dir}` : 'Archives'}
            {view.schedule ? ` · scheduled ${view.schedule}` : ' · no schedule'}
            {view.last ? ` · last backup ${view.last.status}${view.last.error ? `: ${view.last.error}` : ''}` : ''}
          </p>
          {view.archives.length === 0 ? (
            <p className="muted">No backup yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="data-table">
                <caption className="visually-hidden">Backup archives</caption>
                <thead>
                  <tr>
                    <th scope="col">Archive</th>
                    <th scope="col">Made</th>
                    <th scope="col" className="numeric">Size</th>
                  </tr>
                </thead>
                <tbody>
                  {view.archives.map((archive) => (
                    <tr key={archive.name}>
                      <td className="break">{archive.name}</td>
                      <td className="tabular">{new Date(archive.createdAt).toLocaleString()}</td>
                      <td className="numeric tabular">{size(archive.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : !error ? (
        <p className="muted">Loading…</p>
      ) : null}
    </section>
  );
}
