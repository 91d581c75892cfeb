import { useState, type FormEvent } from 'react';
import type { ScalingResult, SearchMode } from '../api/types.js';
import { useApp } from '../app-context.js';
import { CollectionPicker } from '../components/collection-picker.js';
import { ModeSelect } from '../components/mode-select.js';
import { Icon } from '../components/icons.js';
import { LineChart } from '../components/line-chart.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { toCsv } from '../lib/csv.js';
import { downloadText } from '../lib/download.js';

const MAX_CONCURRENCY = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** The server's scaling benchmark: search at concurrency 1, 2, 4, … with latency and throughput charts. */
export function BenchmarksPage() {
  const { client, collection } = useApp();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [maxConcurrency, setMaxConcurrency] = useState(16);
  const [durationMs, setDurationMs] = useState(1000);
  const [result, setResult] = useState<ScalingResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const run = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setResult(await client.scalingBenchmark({ collection, mode, maxConcurrency, durationMs, ...(query.trim() ? { query: query.trim() } : {}) }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const steps = result?.steps ?? [];
  const stamp = result ? result.startedAt.replace(/[:.]/g, '-') : '';
  const seconds = (Math.log2(maxConcurrency) + 1) * durationMs / 1000;

  return (
    <div className="page benchmarks-page">
      <div className="page-header">
        <h1>Benchmarks</h1>
        <CollectionPicker id="benchmarks-collection" />
      </div>
      <form className="card benchmark-form" onSubmit={run} aria-label="Scaling benchmark">
        <h2>Search scaling</h2>
        <p className="muted small">Runs the search use case inside the server at concurrency 1, 2, 4, … up to the maximum, each step for the given time; one run at a time.</p>
        <div className="search-row">
          <div className="field grow">
            <label htmlFor="bench-query">Query</label>
            <input id="bench-query" value={query} placeholder="default: the server's sample queries" onChange={(event) => setQuery(event.target.value)} />
          </div>
          <div className="field">
            <ModeSelect id="bench-mode" value={mode} onChange={(next) => setMode(next as SearchMode)} />
          </div>
          <div className="field">
            <label htmlFor="bench-max">Maximum concurrency</label>
            <select id="bench-max" value={maxConcurrency} onChange={(event) => setMaxConcurrency(Number(event.target.value))}>
              {MAX_CONCURRENCY.map((value) => (
                <option key={value} value={value}>
                  {value}
                </option>
              ))}
            </select>
          </div>
          <div className="field narrow">
            <label htmlFor="bench-duration">Step duration (ms)</label>
            <input id="bench-duration" type="number" min={100} max={5000} step={100} value={durationMs} onChange={(event) => setDurationMs(Math.max(100, Math.min(5000, Number(event.target.value) || 1000)))} />
          </div>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Running…' : 'Run benchmark'}
          </button>
        </div>
        <p className="muted small" role="status">
          {busy ? `Running, about ${Math.ceil(seconds)} s…` : `Takes about ${Math.ceil(seconds)} s.`}
        </p>
      </form>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {result ? (
        <section className="card" aria-labelledby="bench-results-heading">
          <div className="card-header">
            <h2 id="bench-results-heading">
              Results · {result.collection} · {result.mode}
            </h2>
            <div className="button-row">
              <button type="button" className="secondary small" onClick={() => downloadText(`cairn-scaling-${stamp}.json`, `${JSON.stringify(result, null, 2)}\n`, 'application/json')}>
                <Icon name="download" /> Download JSON
              </button>
              <button type="button" className="secondary small" onClick={() => downloadText(`cairn-scaling-${stamp}.csv`, toCsv(steps, ['concurrency', 'requests', 'errors', 'throughputRps', 'p50Ms', 'p95Ms', 'p99Ms']), 'text/csv')}>
                <Icon name="download" /> Download CSV
              </button>
            </div>
          </div>
          {result.requestedMode && result.requestedMode !== result.mode ? (
            <p className="notice notice-info small" role="note">
              Asked for {result.requestedMode}; ran {result.mode}
              {result.notices && result.notices.length > 0 ? `: ${result.notices.join(' ')}` : '.'}
            </p>
          ) : null}
          <div className="charts">
            <LineChart
              title="Search latency by concurrency"
              xLabel="Concurrency (log2)"
              yLabel="Latency (ms)"
              series={[
                { name: 'p50', color: 'var(--chart-1)', points: steps.map((s) => ({ x: s.concurrency, y: s.p50Ms })) },
                { name: 'p95', color: 'var(--chart-2)', dash: '6 3', points: steps.map((s) => ({ x: s.concurrency, y: s.p95Ms })) },
                { name: 'p99', color: 'var(--chart-3)', dash: '2 3', points: steps.map((s) => ({ x: s.concurrency, y: s.p99Ms })) },
              ]}
            />
            <LineChart
              title="Search throughput by concurrency"
              xLabel="Concurrency (log2)"
              yLabel="Requests per second"
              series={[{ name: 'throughput', color: 'var(--chart-1)', points: steps.map((s) => ({ x: s.concurrency, y: s.throughputRps })) }]}
            />
          </div>
          <table className="data-table">
            <caption>Steps</caption>
            <thead>
              <tr>
                <th scope="col" className="numeric">Concurrency</th>
                <th scope="col" className="numeric">Requests</th>
                <th scope="col" className="numeric">Errors</th>
                <th scope="col" className="numeric">Requests/s</th>
                <th scope="col" className="numeric">p50 ms</th>
                <th scope="col" className="numeric">p95 ms</th>
                <th scope="col" className="numeric">p99 ms</th>
              </tr>
            </thead>
            <tbody>
              {steps.map((step) => (
                <tr key={step.concurrency}>
                  <td className="numeric tabular">{step.concurrency}</td>
                  <td className="numeric tabular">{step.requests}</td>
                  <td className="numeric tabular">{step.errors}</td>
                  <td className="numeric tabular">{step.throughputRps.toFixed(1)}</td>
                  <td className="numeric tabular">{step.p50Ms.toFixed(1)}</td>
                  <td className="numeric tabular">{step.p95Ms.toFixed(1)}</td>
                  <td className="numeric tabular">{step.p99Ms.toFixed(1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p>
            Latest ingestion throughput:{' '}
            <strong className="tabular">{result.ingest.chunksPerSecond === null ? 'no ingestion measured yet' : `${result.ingest.chunksPerSecond.toFixed(1)} chunks/s`}</strong>
            {result.ingest.at ? <span className="muted small"> (at {new Date(result.ingest.at).toLocaleString()})</span> : null}
          </p>
        </section>
      ) : null}
    </div>
  );
}
