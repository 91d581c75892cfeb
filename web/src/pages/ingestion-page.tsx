import { useState } from 'react';
import type { Job } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Sparkline } from '../components/line-chart.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { ProgressBar } from '../components/progress-bar.js';
import { jobOutcome } from '../lib/job-status.js';
import { isActive } from '../lib/use-jobs.js';

function describe(job: Job): string {
  const what = job.sources.length === 1 ? job.sources[0] : `${job.sources.length} sources`;
  return `${job.kind === 'upload' ? 'Upload' : job.kind === 'git' ? 'Git' : job.kind === 'crawl' ? 'Crawl' : job.kind === 'reingest' ? 'Re-ingest' : 'Path'}: ${what ?? ''}`;
}

/** Finished jobs stay on the dashboard this long, so an upload is seen reaching 100 %. */
const RECENT_MS = 10 * 60_000;

const DEVICE_LABELS: Record<string, string> = { cpu: 'CPU', cuda: 'GPU (CUDA)', remote: 'embedding server', none: 'no embeddings (lexical only)' };

/** Where the run embedded, how long it took and its whole-run chunk rate (the final progress carries them). */
function RunFacts({ job }: { job: Job }) {
  const { device, embedder, elapsedMs, chunksPerSecond } = job.progress;
  if (!device) return null;
  const ended = job.finishedAt !== null && elapsedMs !== undefined;
  return (
    <p className="small run-facts">
      Embedded on <strong>{DEVICE_LABELS[device] ?? device}</strong>
      {embedder && device !== 'none' ? <span className="muted"> ({embedder})</span> : null}
      {ended ? (
        <>
          {' · '}
          <span className="tabular">{(elapsedMs / 1000).toFixed(1)} s</span> · <span className="tabular">{rate(chunksPerSecond)}</span> chunks/s
        </>
      ) : null}
    </p>
  );
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** The live ingestion dashboard: active jobs with progress, rates and errors; the history below. */
export function IngestionPage() {
  const { client, jobs } = useApp();
  const [error, setError] = useState<unknown>(null);
  const active = jobs.jobs.filter(isActive);
  const past = jobs.jobs.filter((job) => !isActive(job));
  const now = Date.now();
  const recent = past.filter((job) => job.finishedAt !== null && now - Date.parse(job.finishedAt) < RECENT_MS).slice(0, 5);
  const sum = (pick: (job: Job) => number | null) => active.reduce<number | null>((total, job) => (total === null || pick(job) === null ? null : total + (pick(job) as number)), 0);

  const cancel = async (id: string) => {
    try {
      jobs.track(await client.cancelJob(id));
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <div className="page ingestion-page">
      <div className="page-header">
        <h1>Ingestion</h1>
        <p className="muted small" role="status">
          {jobs.live ? 'Live: following server events.' : 'Refreshing every few seconds while jobs run.'}
        </p>
      </div>
      <ProblemNotice error={error ?? jobs.error} onDismiss={() => setError(null)} />
      {active.length > 0 ? (
        <section className="card" aria-labelledby="overall-heading">
          <h2 id="overall-heading">All active jobs ({active.length})</h2>
          <ProgressBar label="Files, all jobs" value={active.reduce((n, job) => n + job.progress.filesDone, 0)} total={sum((job) => job.progress.filesTotal)} />
          <ProgressBar label="Chunks, all jobs" value={active.reduce((n, job) => n + job.progress.chunksDone, 0)} total={sum((job) => job.progress.chunksTotal)} />
        </section>
      ) : (
        <section className="card">
          <h2>No job running</h2>
          <p className="muted">Upload files on the Documents page; their ingestion shows here live.</p>
        </section>
      )}
      {[...active, ...recent].map((job) => (
        <JobCard key={job.id} job={job} samples={jobs.samples[job.id] ?? []} onCancel={isActive(job) ? () => void cancel(job.id) : undefined} />
      ))}
      <section className="card" aria-labelledby="history-heading">
        <div className="card-header">
          <h2 id="history-heading">History</h2>
          <button type="button" className="secondary small" onClick={() => void jobs.refresh()}>
            Refresh jobs
          </button>
        </div>
        {past.length === 0 ? (
          <p className="muted">No finished jobs yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col" className="optional-column">Collection</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="numeric">Files</th>
                  <th scope="col" className="numeric">Failed</th>
                  <th scope="col" className="numeric optional-column">Chunks</th>
                  <th scope="col" className="optional-column">Finished</th>
                </tr>
              </thead>
              <tbody>
                {past.map((job) => {
                  const outcome = jobOutcome(job);
                  return (
                    <tr key={job.id}>
                      <td title={job.id} className="break">{describe(job)}</td>
                      <td className="optional-column">{job.collection}</td>
                      <td>
                        <span className={`status tone-${outcome.tone}`} title={job.error ?? undefined}>
                          {outcome.label}
                        </span>
                      </td>
                      <td className="numeric tabular">{job.progress.filesDone}</td>
                      <td className="numeric tabular">{job.progress.filesFailed}</td>
                      <td className="numeric tabular optional-column">{job.progress.chunksDone.toLocaleString()}</td>
                      <td className="tabular optional-column">{job.finishedAt ? new Date(job.finishedAt).toLocaleString() : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {jobs.nextCursor ? (
          <button type="button" className="secondary small" onClick={() => void jobs.loadMore()}>
            Load older jobs
          </button>
        ) : null}
      </section>
    </div>
  );
}

function JobCard({ job, samples, onCancel }: { job: Job; samples: { chunksPerSecond: number; embeddingsPerSecond: number }[]; onCancel?: () => void }) {
  const label = describe(job);
  const outcome = jobOutcome(job);
  return (
    <section className="card job-card" aria-label={`Job ${label}`}>
      <div className="card-header">
        <h2 className="break">
          {label} <span className={`status tone-${outcome.tone}`}>{outcome.label}</span>
        </h2>
        {onCancel ? (
          <button type="button" className="danger-outline small" aria-label={`Cancel job ${label}`} onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <p className="muted small">
        {job.collection} · {job.startedAt ? `started ${new Date(job.startedAt).toLocaleTimeString()}` : `queued ${new Date(job.createdAt).toLocaleTimeString()}`}
        {job.finishedAt ? ` · finished ${new Date(job.finishedAt).toLocaleTimeString()}` : ''}
      </p>
      {job.error ? <p className="notice notice-error small">{job.error}</p> : null}
      <ProgressBar label="Files" value={job.progress.filesDone + job.progress.filesFailed + job.progress.filesSkipped} total={job.progress.filesTotal} />
      {outcome.breakdown ? <p className={`small file-breakdown${job.progress.filesFailed + job.progress.filesSkipped > 0 ? ' has-failures' : ''}`}>Files: {outcome.breakdown}</p> : null}
      <ProgressBar label="Chunks" value={job.progress.chunksDone} total={job.progress.chunksTotal} />
      <div className="rates">
        <div className="rate">
          <span className="rate-value tabular">{rate(job.progress.chunksPerSecond)}</span> chunks/s
          <Sparkline values={samples.map((s) => s.chunksPerSecond)} label="Chunks per second" />
        </div>
        <div className="rate">
          <span className="rate-value tabular">{rate(job.progress.embeddingsPerSecond)}</span> embeddings/s
          <Sparkline values={samples.map((s) => s.embeddingsPerSecond)} label="Embeddings per second" />
        </div>
      </div>
      <RunFacts job={job} />
      {job.errors.length > 0 ? (
        <details open>
          <summary>{job.errors.length === 1 ? '1 file error' : `${job.errors.length} file errors`}</summary>
          <ul className="error-list" aria-live="polite">
            {job.errors.map((failure, i) => (
              <li key={`${failure.file}-${i}`}>
                <strong>{failure.file}</strong> <span className="notice-code">{failure.code}</span> {failure.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
