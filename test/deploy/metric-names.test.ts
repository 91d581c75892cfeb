import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCairnServe, type CairnServe } from '../e2e/start-cairn-serve.js';
import { dashboardQueries, readAlertRules, readDashboard, readPromql, withGrafanaVariables } from './deploy-files.js';

/** Series Prometheus itself adds to every scrape target; Cairn does not export them. */
const PROMETHEUS_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/**
 * Names a query may select from an exposition: each sample's name, and for histograms and summaries
 * (which print no sample before their first observation) the series their TYPE line promises.
 */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (declared) {
      const [, name, kind] = declared;
      names.add(name!);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      if (kind === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

let home: string;
let serve: CairnServe;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'cairn-metric-names-'));
  serve = await startCairnServe({ CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' });
});

after(async () => {
  await serve?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('every metric the Grafana dashboard and the alert rules read is exported by a real cairn serve at /metrics', async () => {
  const response = await fetch(`${serve.url}/metrics`);
  assert.equal(response.status, 200);
  const exported = exportedNames(await response.text());
  assert.ok(exported.has('cairn_http_request_duration_seconds_bucket'), 'the exposition was read');
  const used = new Map<string, string>();
  for (const { panel, expr } of dashboardQueries(readDashboard())) {
    for (const metric of readPromql(withGrafanaVariables(expr)).metrics) used.set(metric, `dashboard panel "${panel}"`);
  }
  for (const { alert, expr } of readAlertRules()) for (const metric of readPromql(expr).metrics) used.set(metric, `alert ${alert}`);
  assert.ok(used.size >= 20, `${used.size} metric names used`);
  const missing = [...used].filter(([metric]) => !PROMETHEUS_SERIES.has(metric) && !exported.has(metric)).map(([metric, where]) => `${metric} (${where})`);
  assert.deepEqual(missing, [], `not exported by cairn serve:\n${missing.join('\n')}`);
});
