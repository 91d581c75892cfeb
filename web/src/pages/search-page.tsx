import { useState, type FormEvent } from 'react';
import type { SearchRequest } from '../api/client.js';
import type { SearchMode, SearchResponse } from '../api/types.js';
import { useApp } from '../app-context.js';
import { CollectionPicker } from '../components/collection-picker.js';
import { ModeSelect } from '../components/mode-select.js';
import { ProblemNotice } from '../components/problem-notice.js';
import { documentHref } from '../lib/routes.js';
import { SEARCH_STAGES } from '../lib/search-stages.js';
import { highlightSnippet } from '../lib/snippet.js';

const list = (value: string) => value.split(',').map((item) => item.trim()).filter(Boolean);

/** Search playground: one query through lexical, dense or hybrid retrieval with filters; per-arm scores and stage timings. */
export function SearchPage() {
  const { client, collection } = useApp();
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState<SearchMode>('hybrid');
  const [rerank, setRerank] = useState(false);
  const [rawChunks, setRawChunks] = useState(false);
  const [k, setK] = useState(10);
  const [pathPrefix, setPathPrefix] = useState('');
  const [pathGlob, setPathGlob] = useState('');
  const [language, setLanguage] = useState('');
  const [fileType, setFileType] = useState('');
  const [tags, setTags] = useState('');
  const [after, setAfter] = useState('');
  const [before, setBefore] = useState('');
  const [response, setResponse] = useState<SearchResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!query.trim()) return;
    const filter: NonNullable<SearchRequest['filter']> = {};
    if (pathPrefix.trim()) filter.pathPrefix = pathPrefix.trim();
    if (pathGlob.trim()) filter.pathGlob = pathGlob.trim();
    if (list(language).length > 0) filter.language = list(language);
    if (list(fileType).length > 0) filter.fileType = list(fileType);
    if (list(tags).length > 0) filter.tags = list(tags);
    if (after) filter.modifiedAfter = after;
    if (before) filter.modifiedBefore = before;
    setBusy(true);
    setError(null);
    try {
      // `rerank` is sent only when asked for, so a server without reranking in search still answers.
      setResponse(await client.search({ collection, query: query.trim(), mode, k, ...(rerank ? { rerank: true } : {}), ...(rawChunks ? { group: 'chunks' as const } : {}), ...(Object.keys(filter).length > 0 ? { filter } : {}) }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="page search-page">
      <div className="page-header">
        <h1>Search</h1>
        <CollectionPicker id="search-collection" />
      </div>
      <form className="card search-form" onSubmit={submit} aria-label="Search">
        <div className="search-row">
          <div className="field grow">
            <label htmlFor="search-query">Query</label>
            <input id="search-query" type="search" value={query} onChange={(event) => setQuery(event.target.value)} />
          </div>
          <div className="field">
            <ModeSelect id="search-mode" value={mode} onChange={(next) => setMode(next as SearchMode)} />
          </div>
          <div className="field narrow">
            <label htmlFor="search-k">Results (k)</label>
            <input id="search-k" type="number" min={1} max={100} value={k} onChange={(event) => setK(Math.max(1, Math.min(100, Number(event.target.value) || 10)))} />
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={rerank} onChange={(event) => setRerank(event.target.checked)} /> Rerank
          </label>
          <label className="checkbox" title="One result per chunk instead of one per document with its best passages">
            <input type="checkbox" checked={rawChunks} onChange={(event) => setRawChunks(event.target.checked)} /> Raw chunks
          </label>
          <button type="submit" className="primary" disabled={busy || !query.trim()}>
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
        <details className="filters">
          <summary>Filters</summary>
          <div className="filter-grid">
            <div className="field">
              <label htmlFor="filter-path">Path prefix</label>
              <input id="filter-path" value={pathPrefix} onChange={(event) => setPathPrefix(event.target.value)} placeholder="docs/" />
            </div>
            <div className="field">
              <label htmlFor="filter-glob">Path glob</label>
              <input id="filter-glob" value={pathGlob} onChange={(event) => setPathGlob(event.target.value)} placeholder="src/**/*.ts" />
            </div>
            <div className="field">
              <label htmlFor="filter-language">Languages</label>
              <input id="filter-language" value={language} onChange={(event) => setLanguage(event.target.value)} placeholder="typescript, python" />
            </div>
            <div className="field">
              <label htmlFor="filter-type">File types</label>
              <input id="filter-type" value={fileType} onChange={(event) => setFileType(event.target.value)} placeholder="pdf, markdown" />
            </div>
            <div className="field">
              <label htmlFor="filter-tags">Tags (all must match)</label>
              <input id="filter-tags" value={tags} onChange={(event) => setTags(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="filter-after">Modified after</label>
              <input id="filter-after" type="date" value={after} onChange={(event) => setAfter(event.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="filter-before">Modified before</label>
              <input id="filter-before" type="date" value={before} onChange={(event) => setBefore(event.target.value)} />
            </div>
          </div>
        </details>
      </form>
      <ProblemNotice error={error} onDismiss={() => setError(null)} />
      {response ? (
        <div className="search-results-layout">
          <section className="card" aria-labelledby="results-heading">
            <h2 id="results-heading">
              {resultCount(response)} · {response.mode}
            </h2>
            {response.notices.map((notice, i) => (
              <p key={i} className="notice notice-info small">
                {notice}
              </p>
            ))}
            <ol className="result-list">
              {response.results.map((result) => (
                <li key={result.chunk_id} className="result">
                  <div className="result-head">
                    <a href={documentHref(response.collection, result.document_id)} className="result-title">
                      {result.title || result.relative_path}
                    </a>
                    <span className="score tabular" title="Final score">
                      {result.score.toFixed(4)}
                    </span>
                  </div>
                  <p className="muted small">
                    {result.relative_path}
                    {result.passages ? '' : result.page_start ? ` · page ${result.page_start}` : ''}
                    {!result.passages && result.line_start ? ` · lines ${result.line_start}-${result.line_end ?? result.line_start}` : ''}
                    {!result.passages && result.heading_path.length > 0 ? ` · ${result.heading_path.join(' / ')}` : ''}
                  </p>
                  {result.passages ? (
                    <ol className="passage-list" aria-label={`Passages of ${result.title || result.relative_path}`}>
                      {result.passages.map((passage) => (
                        <li key={passage.chunk_id} className="passage">
                          <p className="muted small">
                            {[
                              passage.heading_path.length > 0 ? passage.heading_path.join(' / ') : null,
                              passage.page_start ? `page ${passage.page_start}` : null,
                              passage.line_start ? `lines ${passage.line_start}-${passage.line_end ?? passage.line_start}` : null,
                            ].filter(Boolean).join(' · ')}
                            <span className="score tabular" title="Passage score"> {passage.score.toFixed(4)}</span>
                          </p>
                          <p className="snippet">{highlightSnippet(passage.snippet, passage.highlights)}</p>
                        </li>
                      ))}
                    </ol>
                  ) : (
                    <p className="snippet">{highlightSnippet(result.snippet, result.highlights)}</p>
                  )}
                  <ul className="arm-scores" aria-label="Scores per retrieval arm">
                    {Object.entries(result.scores).map(([arm, value]) => {
                      const score = value as { rank?: number; score?: number } | number | undefined;
                      if (score === undefined || score === null) return null;
                      return (
                        <li key={arm} className="badge">
                          {arm}{' '}
                          <span className="tabular">
                            {typeof score === 'number' ? score.toFixed(4) : `#${score.rank ?? '?'} · ${typeof score.score === 'number' ? score.score.toFixed(4) : ''}`}
                          </span>
                        </li>
                      );
                    })}
                  </ul>
                </li>
              ))}
            </ol>
          </section>
          <aside className="card timings-card" aria-labelledby="timings-heading">
            <h2 id="timings-heading">Timings</h2>
            <table className="data-table compact">
              <tbody>
                {SEARCH_STAGES.filter(([key]) => typeof response.timings[key] === 'number').map(([key, label]) => (
                  <tr key={key} className={key === 'totalMs' ? 'total' : undefined}>
                    <th scope="row">{label}</th>
                    <td className="numeric tabular">{(response.timings[key] as number).toFixed(1)} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </aside>
        </div>
      ) : null}
    </div>
  );
}

/** "3 documents" when the server grouped by document, "3 chunks" for raw chunks ("results" from older servers). */
function resultCount(response: SearchResponse): string {
  const n = response.results.length;
  const unit = response.group === 'documents' ? 'document' : response.group === 'chunks' ? 'chunk' : 'result';
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
