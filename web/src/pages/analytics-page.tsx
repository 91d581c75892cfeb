import { useCallback, useEffect, useState } from 'react';
import type { AnalyticsQueryCount, AnalyticsReport } from '../api/types.js';
import { useApp } from '../app-context.js';
import { Icon } from '../components/icons.js';
import { LineChart } from '../components/line-chart.js';
import { ProblemNotice } from '../components/problem-notice.js';

const WINDOWS = [7, 30, 90];
const ALL = '';
const DAY_MS = 86_400_000;

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;
const dayLabel = (x: number) => new Date(Math.round(x) * DAY_MS).toISOString().slice(5, 10);
const when = (iso: string) => new Date(iso).toLocaleString();

/** Search analytics (admin): queries per day, top, zero-result and low-score queries, latency percentiles. */
export function AnalyticsPage() {
  const { client, collections } = useApp();
  const [days, setDays] = useState(7);
  const [collection, setCollection] = useState(ALL);
  const [report, setReport] = useState<AnalyticsReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        setReport(await client.analytics({ days, ...(collection ? { collection } : {}) }, signal));
        setError(null);
      } catch (failure) {
        if (!signal?.aborted) setError(failure);
      }
    },
    [client, days, collection],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);

  const zeroShare = report && report.total > 0 ? (100 * report.zeroResults) / report.total : 0;

  return (
    <div className="page analytics-page">
      <div className="page-header">
        <h1>Analytics</h1>
        <div className="button-row">
          <div className="field">
            <label htmlFor="analytics-collection">Collection</label>
            <select id="analytics-collection" value={collection} onChange={(event) => setCollection(event.target.value)}>
              <option value={ALL}>All collections</option>
              {collections.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="analytics-days">Period</label>
            <select id="analytics-days" value={days} onChange={(event) => setDays(Number(event.target.value))}>
              {WINDOWS.map((value) => (
                <option key={value} value={value}>{`Last ${value} days`}</option>
              ))}
            </select>
          </div>
          <button type="button" className="secondary" onClick={() => void load()}>
            <Icon name="refresh" /> Refresh analytics
          </button>
        </div>
      </div>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {report && !report.enabled ? (
        <p className="notice notice-info" role="status">
          Search analytics are off on this server (<code>analytics.enabled</code>): nothing new is recorded.
        </p>
      ) : null}
      {report ? (
        <>
          <section className="card" aria-labelledby="analytics-volume">
            <h2 id="analytics-volume">Queries per day</h2>
            <div className="charts">
              <dl className="facts">
                <dt>Searches and answers</dt>
                <dd className="tabular">{report.total}</dd>
                <dt>Without results</dt>
                <dd className="tabular">{`${report.zeroResults} (${zeroShare.toFixed(1)} %)`}</dd>
                <dt>From</dt>
                <dd>{report.surfaces.length > 0 ? report.surfaces.map((s) => `${surfaceLabel(s.surface)} ${s.count}`).join(' · ') : '—'}</dd>
                <dt>Kept for</dt>
                <dd>{`${report.retentionDays} days`}</dd>
              </dl>
              <LineChart
                title="Queries per day"
                xLabel="Day (UTC)"
                yLabel="Queries"
                xLog2={false}
                formatX={dayLabel}
                series={[
                  { name: 'all queries', color: 'var(--chart-1)', points: report.perDay.map((d) => ({ x: dayNumber(d.day), y: d.count })) },
                  { name: 'without results', color: 'var(--chart-2)', dash: '6 3', points: report.perDay.map((d) => ({ x: dayNumber(d.day), y: d.zeroResults })) },
                ]}
              />
            </div>
            <details>
              <summary>Queries per day as a table</summary>
              <table className="data-table compact">
                <thead>
                  <tr>
                    <th scope="col">Day</th>
                    <th scope="col" className="numeric">Queries</th>
                    <th scope="col" className="numeric">Without results</th>
                  </tr>
                </thead>
                <tbody>
                  {report.perDay.map((d) => (
                    <tr key={d.day}>
                      <td>{d.day}</td>
                      <td className="numeric tabular">{d.count}</td>
                      <td className="numeric tabular">{d.zeroResults}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </section>
          <QueryTable caption="Top queries" empty="No queries in this period." rows={report.topQueries} />
          <QueryTable
            caption="Queries without results"
            empty="Every query found something."
            note="Dense and hybrid searches always find nearest neighbours: their misses show as low-score queries below."
            rows={report.zeroResultQueries}
          />
          <section className="card">
            <div className="table-wrap">
              <table className="data-table">
                <caption>Low-score queries</caption>
                <thead>
                  <tr>
                    <th scope="col">Query</th>
                    <th scope="col">Mode</th>
                    <th scope="col" className="numeric">Times</th>
                    <th scope="col" className="numeric">Mean top score</th>
                    <th scope="col">Last asked</th>
                  </tr>
                </thead>
                <tbody>
                  {report.lowScoreQueries.map((q) => (
                    <tr key={`${q.mode}:${q.query}`}>
                      <td>{q.query}</td>
                      <td>{q.mode}</td>
                      <td className="numeric tabular">{q.count}</td>
                      <td className="numeric tabular">{q.avgTopScore.toFixed(3)}</td>
                      <td>{when(q.lastAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small">
              {report.lowScoreQueries.length === 0
                ? 'No scored queries in this period.'
                : 'The weakest best matches, lowest first within each mode: cosine similarity for dense and hybrid, BM25 for lexical (scores compare only within a mode).'}
            </p>
          </section>
          <section className="card">
            <div className="table-wrap">
              <table className="data-table">
                <caption>Latency percentiles</caption>
                <thead>
                  <tr>
                    <th scope="col">Kind</th>
                    <th scope="col">Mode</th>
                    <th scope="col" className="numeric">Count</th>
                    <th scope="col" className="numeric">p50 ms</th>
                    <th scope="col" className="numeric">p95 ms</th>
                    <th scope="col" className="numeric">p99 ms</th>
                  </tr>
                </thead>
                <tbody>
                  {report.latency.map((row) => (
                    <tr key={`${row.kind}:${row.mode}`}>
                      <td>{row.kind}</td>
                      <td>{row.mode}</td>
                      <td className="numeric tabular">{row.count}</td>
                      <td className="numeric tabular">{row.p50Ms.toFixed(1)}</td>
                      <td className="numeric tabular">{row.p95Ms.toFixed(1)}</td>
                      <td className="numeric tabular">{row.p99Ms.toFixed(1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <p className="muted small">Searches are timed to their results; answers (ask, chat) to their last token.</p>
          </section>
        </>
      ) : null}
    </div>
  );
}

function QueryTable({ caption, empty, note, rows }: { caption: string; empty: string; note?: string; rows: AnalyticsQueryCount[] }) {
  return (
    <section className="card">
      <div className="table-wrap">
        <table className="data-table">
          <caption>{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Query</th>
              <th scope="col" className="numeric">Times</th>
              <th scope="col" className="numeric">Mean results</th>
              <th scope="col">Last asked</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((q) => (
              <tr key={q.query}>
                <td>{q.query}</td>
                <td className="numeric tabular">{q.count}</td>
                <td className="numeric tabular">{q.avgResults.toFixed(1)}</td>
                <td>{when(q.lastAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 || note ? <p className="muted small">{[rows.length === 0 ? empty : '', note ?? ''].filter(Boolean).join(' ')}</p> : null}
    </section>
  );
}

function surfaceLabel(surface: string): string {
  return ({ http: 'HTTP API', ui: 'web UI', mcp: 'MCP', cli: 'CLI', openai: 'OpenAI API' } as Record<string, string>)[surface] ?? surface;
}
