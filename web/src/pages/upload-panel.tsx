import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { filesFromDrop, filesFromInput, type PickedFile } from '../lib/dropped-files.js';
import { hrefFor } from '../lib/routes.js';

/**
 * Adding documents: drop files or a folder (or choose them), or name a server path or git URL. Each
 * starts an ingestion job and opens the live dashboard.
 */
export function UploadPanel() {
  const { client, collection, jobs, navigate, refreshCollections } = useApp();
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [source, setSource] = useState('');
  const [tags, setTags] = useState('');
  const filesInput = useRef<HTMLInputElement | null>(null);
  const folderInput = useRef<HTMLInputElement | null>(null);

  const upload = async (picked: PickedFile[]) => {
    if (picked.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      const { job } = await client.upload(collection, picked, tags.trim() || undefined);
      jobs.track(job);
      void refreshCollections();
      navigate(hrefFor('ingestion'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const pending = filesFromDrop(event.dataTransfer);
    void pending.then(upload, setError);
  };

  const addSource = async (event: FormEvent) => {
    event.preventDefault();
    const value = source.trim();
    if (!value) return;
    setBusy(true);
    setError(null);
    try {
      const isGit = /^(https?:\/\/|git@|ssh:\/\/|git:\/\/)/.test(value);
      const tagList = tags.split(',').map((tag) => tag.trim()).filter(Boolean);
      const { job } = await client.addSource(collection, isGit ? { git: value } : { path: value }, tagList);
      jobs.track(job);
      setSource('');
      navigate(hrefFor('ingestion'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card upload-panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Add documents to “{collection}”</h2>
      {/* biome-ignore lint/a11y/useSemanticElements: a drop target with its own buttons inside, not a form fieldset. */}
      <div
        className={`drop-zone${dragging ? ' dragging' : ''}`}
        role="group"
        aria-label="Drop files or a folder here"
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Icon name="upload" size={28} />
        <p>{busy ? 'Uploading…' : 'Drop files or a folder here, or'}</p>
        <div className="button-row">
          <button type="button" className="secondary" disabled={busy} onClick={() => filesInput.current?.click()}>
            Choose files
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => folderInput.current?.click()}>
            Choose folder
          </button>
        </div>
        <input ref={filesInput} type="file" multiple hidden aria-label="Files to upload" data-testid="upload-files" onChange={(event) => void upload(filesFromInput(event.target.files)).then(() => (event.target.value = ''))} />
        <input
          ref={folderInput}
          type="file"
          multiple
          hidden
          aria-label="Folder to upload"
          data-testid="upload-folder"
          {...{ webkitdirectory: '', directory: '' }}
          onChange={(event) => void upload(filesFromInput(event.target.files)).then(() => (event.target.value = ''))}
        />
      </div>
      <form className="add-source" onSubmit={addSource}>
        <div className="field grow">
          <label htmlFor="add-source">Path or git URL</label>
          <input id="add-source" value={source} placeholder="/srv/docs or https://github.com/org/repo.git" onChange={(event) => setSource(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="add-tags">Tags</label>
          <input id="add-tags" value={tags} placeholder="comma, separated" onChange={(event) => setTags(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={busy || !source.trim()}>
          Add
        </button>
      </form>
      <p className="muted small">Paths must be inside the folders the server allows; git URLs of private or loopback hosts are refused unless the server allows them.</p>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
    </section>
  );
}
