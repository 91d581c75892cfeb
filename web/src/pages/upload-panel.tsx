import { useRef, useState, type DragEvent, type FormEvent } from 'react';
import { ApiError } from '../api/api-error.js';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { filesFromDrop, filesFromInput, type PickedFile } from '../lib/dropped-files.js';
import { hrefFor } from '../lib/routes.js';
import { DEFAULT_MAX_FILES_PER_UPLOAD, uploadBatches } from '../lib/upload-batches.js';

/**
 * Adding documents: drop files or a folder (or choose them), name a git URL or (when the server
 * allows server paths) a path, or a documentation site to crawl. Each starts an ingestion job and
 * opens the live dashboard. Shown only to keys that may write.
 */
export function UploadPanel() {
  const { client, collection, jobs, navigate, refreshCollections, settings } = useApp();
  const pathsEnabled = settings?.sources.pathsEnabled ?? false;
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  /** While a pick larger than the server's per-request limit goes up in parts: which part of how many. */
  const [part, setPart] = useState<{ n: number; of: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [source, setSource] = useState('');
  const [tags, setTags] = useState('');
  const [site, setSite] = useState('');
  const [maxPages, setMaxPages] = useState('');
  const filesInput = useRef<HTMLInputElement | null>(null);
  const folderInput = useRef<HTMLInputElement | null>(null);

  // A pick over the server's limit (jobs.maxFilesPerUpload) goes up in several requests, one job each;
  // the dashboard opens once every part is accepted (the jobs already accepted run meanwhile).
  const upload = async (picked: PickedFile[]) => {
    if (picked.length === 0) return;
    setBusy(true);
    setError(null);
    const batches = uploadBatches(picked, settings?.uploads?.maxFilesPerUpload ?? DEFAULT_MAX_FILES_PER_UPLOAD);
    try {
      for (const [i, batch] of batches.entries()) {
        if (batches.length > 1) setPart({ n: i + 1, of: batches.length });
        const { job } = await client.upload(collection, batch, tags.trim() || undefined);
        jobs.track(job);
      }
      void refreshCollections();
      navigate(hrefFor('ingestion'));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setPart(null);
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
      if (!isGit && !pathsEnabled) {
        setError(new ApiError(0, 'INPUT_INVALID', `“${value}” is not a git URL.`, 'Give a repository URL such as https://github.com/org/repo.git; this server does not read server paths.'));
        return;
      }
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

  const crawlSite = async (event: FormEvent) => {
    event.preventDefault();
    const url = site.trim();
    if (!url) return;
    setBusy(true);
    setError(null);
    try {
      const tagList = tags.split(',').map((tag) => tag.trim()).filter(Boolean);
      const pages = Number.parseInt(maxPages, 10);
      const { job } = await client.addSource(collection, { crawl: { url, ...(pages > 0 ? { maxPages: pages } : {}) } }, tagList);
      jobs.track(job);
      setSite('');
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
        <p role={busy ? 'status' : undefined}>{busy ? (part ? `Uploading part ${part.n} of ${part.of}…` : 'Uploading…') : 'Drop files or a folder here, or'}</p>
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
      <form className="add-source" onSubmit={addSource} aria-label="Add from a repository or server folder">
        <div className="field grow">
          <label htmlFor="add-source">{pathsEnabled ? 'Path or git URL' : 'Git URL'}</label>
          <input
            id="add-source"
            value={source}
            placeholder={pathsEnabled ? '/srv/docs or https://github.com/org/repo.git' : 'https://github.com/org/repo.git'}
            onChange={(event) => setSource(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="add-tags">Tags</label>
          <input id="add-tags" value={tags} placeholder="comma, separated" onChange={(event) => setTags(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={busy || !source.trim()}>
          Add
        </button>
      </form>
      {pathsEnabled ? (
        <p className="muted small">
          Paths must be inside the folders the server allows{settings?.sources.allowedDirs ? ` (${settings.sources.allowedDirs.join(', ')})` : ''}; git URLs of private or loopback hosts are refused unless the server allows them.
        </p>
      ) : (
        <p className="muted small">
          Server folders are off on this server, so only uploads and git URLs work here. An administrator turns them on by listing the folders in <code>sources.allowedDirs</code> of <code>cairn.config.json</code> (or <code>CAIRN_ALLOWED_DIRS</code>) and restarting the server.
        </p>
      )}
      <form className="add-source" onSubmit={crawlSite}>
        <div className="field grow">
          <label htmlFor="crawl-site">Documentation site</label>
          <input id="crawl-site" type="url" value={site} placeholder="https://docs.example.com/" onChange={(event) => setSite(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="crawl-max-pages">Max pages</label>
          <input id="crawl-max-pages" type="number" min={1} inputMode="numeric" value={maxPages} placeholder="server default" onChange={(event) => setMaxPages(event.target.value)} />
        </div>
        <button type="submit" className="primary" disabled={busy || !site.trim()}>
          Crawl
        </button>
      </form>
      <p className="muted small">Crawls the pages of the site below that address (its sitemap, else its links), honouring robots.txt; the tags above apply too.</p>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
    </section>
  );
}
