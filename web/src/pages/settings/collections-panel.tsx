import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../../app-context.js';
import { Icon } from '../../components/icons.js';
import { ProblemNotice } from '../../components/problem-notice.js';
import { scopeAllows } from '../../lib/routes.js';

/**
 * Collections with their counts; keys that may write also create (embedder and chunking are fixed
 * from then on) and delete, after typing the collection's name. Names cannot change: a collection's
 * name keys its documents, vector snapshots, jobs and chats, so renaming is not offered.
 */
export function CollectionsPanel() {
  const { client, collections, refreshCollections, settings, scope, setCollection, collection: current } = useApp();
  const canWrite = scopeAllows(scope, 'write');
  const [name, setName] = useState('');
  const [embedder, setEmbedder] = useState('');
  const [chunkSize, setChunkSize] = useState('');
  const [chunkOverlap, setChunkOverlap] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  // Counts as of now, not as of login.
  useEffect(() => {
    void refreshCollections();
  }, [refreshCollections]);
  const embedders = [...new Set([settings?.models.embedder, ...collections.map((c) => c.embedder), 'none'].filter((id): id is string => Boolean(id)))];

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.createCollection({
        name: name.trim(),
        ...(embedder.trim() ? { embedder: embedder.trim() } : {}),
        ...(chunkSize ? { chunkSize: Number(chunkSize) } : {}),
        ...(chunkOverlap ? { chunkOverlap: Number(chunkOverlap) } : {}),
      });
      await refreshCollections();
      setName('');
      setEmbedder('');
      setChunkSize('');
      setChunkOverlap('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (target: string) => {
    setBusy(true);
    setError(null);
    try {
      await client.deleteCollection(target);
      setDeleting(null);
      setTyped('');
      await refreshCollections();
      if (target === current) setCollection(collections.find((c) => c.name !== target)?.name ?? 'default');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-collections">
      <h2 id="settings-collections">Collections</h2>
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">Collections</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="numeric">Documents</th>
              <th scope="col" className="numeric">Chunks</th>
              <th scope="col" className="optional-column">Embedder</th>
              <th scope="col" className="optional-column">Chunking</th>
              {canWrite ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}
            </tr>
          </thead>
          <tbody>
            {collections.map((c) => (
              <tr key={c.name}>
                <th scope="row" className="break">{c.name}</th>
                <td className="numeric tabular">{c.documentCount.toLocaleString()}</td>
                <td className="numeric tabular">{c.chunkCount.toLocaleString()}</td>
                <td className="break optional-column">
                  {c.embedder}
                  {c.dimensions > 0 ? <span className="muted small"> ({c.dimensions}-d)</span> : null}
                </td>
                <td className="tabular optional-column">
                  {c.chunkSize} / {c.chunkOverlap} tokens
                </td>
                {canWrite ? (
                  <td>
                    <button type="button" className="danger-outline small" aria-label={`Delete collection ${c.name}`} onClick={() => {
                      setDeleting(c.name);
                      setTyped('');
                    }}>
                      <Icon name="trash" size={16} /> Delete
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
            {collections.length === 0 ? (
              <tr>
                <td colSpan={canWrite ? 6 : 5} className="muted">
                  No collection yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {deleting ? (
        <form
          className="confirm-delete"
          aria-label={`Delete collection ${deleting}`}
          onSubmit={(event) => {
            event.preventDefault();
            if (typed === deleting) void remove(deleting);
          }}
        >
          <p>
            Deleting “{deleting}” removes its {collections.find((c) => c.name === deleting)?.documentCount.toLocaleString() ?? ''} documents, their chunks and vectors. It cannot be undone.
          </p>
          <div className="field">
            <label htmlFor="confirm-collection">Type {deleting} to confirm</label>
            <input id="confirm-collection" value={typed} autoComplete="off" spellCheck={false} onChange={(event) => setTyped(event.target.value)} />
          </div>
          <div className="button-row">
            <button type="submit" className="danger" disabled={busy || typed !== deleting}>
              Delete “{deleting}”
            </button>
            <button type="button" className="secondary" onClick={() => setDeleting(null)}>
              Keep it
            </button>
          </div>
        </form>
      ) : null}
      {canWrite ? (
        <form className="settings-form" onSubmit={create} aria-label="Create a collection">
          <h3>New collection</h3>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="new-collection-name">Name</label>
              <input id="new-collection-name" value={name} required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" autoComplete="off" spellCheck={false} onChange={(event) => setName(event.target.value)} />
              <p className="field-help">Letters, digits, “.”, “_” or “-”; it cannot change later.</p>
            </div>
            <div className="field">
              <label htmlFor="new-collection-embedder">Embedder</label>
              <input id="new-collection-embedder" list="new-collection-embedders" value={embedder} placeholder={settings?.models.embedder ?? 'server default'} onChange={(event) => setEmbedder(event.target.value)} />
              <datalist id="new-collection-embedders">
                {embedders.map((id) => (
                  <option key={id} value={id} />
                ))}
              </datalist>
              <p className="field-help">Empty: the server’s default. “none” keeps it lexical-only.</p>
            </div>
            <div className="field">
              <label htmlFor="new-collection-chunk-size">Chunk size (tokens)</label>
              <input id="new-collection-chunk-size" type="number" min={16} max={8192} value={chunkSize} placeholder="default" onChange={(event) => setChunkSize(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="new-collection-chunk-overlap">Chunk overlap (tokens)</label>
              <input id="new-collection-chunk-overlap" type="number" min={0} max={4096} value={chunkOverlap} placeholder="default" onChange={(event) => setChunkOverlap(event.target.value)} />
            </div>
          </div>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Create collection
          </button>
        </form>
      ) : null}
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      <p className="muted small">A collection’s name and chunking are fixed once it exists: to change them, create a new collection and ingest into it.</p>
    </section>
  );
}
