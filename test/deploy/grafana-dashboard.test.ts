import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { dashboardQueries, deployPath, isObject, readDashboard, readPromql, readYaml, withGrafanaVariables, type Json } from './deploy-files.js';

/** The panels of a dashboard, rows' nested panels included. */
function panelsOf(dashboard: Json): Json[] {
  const out: Json[] = [];
  const visit = (panels: unknown): void => {
    for (const panel of Array.isArray(panels) ? panels.filter(isObject) : []) {
      out.push(panel);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  return out;
}

test('the dashboard is a Grafana dashboard model: identity, unique panel ids, a 24-column grid without overlaps', () => {
  const dashboard = readDashboard();
  assert.equal(dashboard.uid, 'cairn');
  assert.equal(typeof dashboard.title, 'string');
  assert.ok(typeof dashboard.schemaVersion === 'number' && dashboard.schemaVersion >= 36, 'schemaVersion of Grafana 9 or later');
  assert.equal(dashboard.id, undefined, 'no database id: provisioning assigns one');
  const panels = panelsOf(dashboard);
  const ids = panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const cells = new Map<string, string>();
  for (const panel of panels) {
    const { x, y, w, h } = panel.gridPos as { x: number; y: number; w: number; h: number };
    assert.ok(Number.isInteger(x) && Number.isInteger(y) && w >= 1 && h >= 1 && x >= 0 && x + w <= 24, `${String(panel.title)}: gridPos inside 24 columns`);
    for (let row = y; row < y + h; row += 1) {
      for (let column = x; column < x + w; column += 1) {
        const other = cells.get(`${row}:${column}`);
        assert.equal(other, undefined, `${String(panel.title)} overlaps ${other}`);
        cells.set(`${row}:${column}`, String(panel.title));
      }
    }
  }
});

test('every panel queries the dashboard data source with valid PromQL; every variable it uses is defined', () => {
  const dashboard = readDashboard();
  const templating = dashboard.templating as { list: Json[] };
  const variables = new Set(templating.list.map((variable) => String(variable.name)));
  const datasource = templating.list.find((variable) => variable.type === 'datasource');
  assert.equal(datasource?.query, 'prometheus');
  for (const panel of panelsOf(dashboard).filter((p) => p.type !== 'row')) {
    assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, `${String(panel.title)}: data source`);
    const targets = (panel.targets as Json[] | undefined) ?? [];
    assert.ok(targets.length > 0, `${String(panel.title)} has queries`);
    const refIds = targets.map((target) => target.refId);
    assert.equal(new Set(refIds).size, refIds.length, `${String(panel.title)}: refIds are unique`);
    assert.ok(typeof panel.description === 'string' && panel.description.length > 0, `${String(panel.title)} says what it shows`);
  }
  const queries = dashboardQueries(dashboard);
  assert.ok(queries.length >= 20, `${queries.length} queries`);
  for (const { panel, expr } of queries) {
    for (const [, name] of expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
      if (!name!.startsWith('__')) assert.ok(variables.has(name!), `${panel}: $${name} is not a dashboard variable`);
    }
    const { syntaxErrors, metrics } = readPromql(withGrafanaVariables(expr));
    assert.deepEqual(syntaxErrors, [], `${panel}: ${expr}`);
    assert.ok(metrics.length > 0, `${panel}: ${expr} reads no metric`);
  }
});

test('the dashboard shows what the issue asks for', () => {
  const used = new Set(dashboardQueries(readDashboard()).flatMap(({ expr }) => readPromql(withGrafanaVariables(expr)).metrics));
  const wanted: Record<string, string[]> = {
    'request rate and latency by route': ['cairn_http_request_duration_seconds_count', 'cairn_http_request_duration_seconds_bucket'],
    'search stage latencies': ['cairn_search_stage_duration_seconds_bucket'],
    'ingest throughput': ['cairn_ingest_chunks_total', 'cairn_ingest_documents_total'],
    'queue depth': ['cairn_jobs_queue_depth', 'cairn_jobs_running'],
    'jobs finished by status': ['cairn_jobs_finished_total'],
    'index sizes': ['cairn_index_chunks', 'cairn_index_vectors'],
    'backup age': ['cairn_backup_last_success_age_seconds'],
    'disk free': ['cairn_data_disk_free_bytes', 'cairn_data_disk_size_bytes'],
    RSS: ['process_resident_memory_bytes'],
  };
  for (const [what, metrics] of Object.entries(wanted)) {
    for (const metric of metrics) assert.ok(used.has(metric), `${what}: no panel reads ${metric}`);
  }
});

test('Grafana provisioning: the data source the dashboard defaults to, and the folder compose mounts the dashboard into', () => {
  const dashboard = readDashboard();
  const datasource = (dashboard.templating as { list: Json[] }).list.find((variable) => variable.type === 'datasource')!;
  const sources = readYaml(deployPath('grafana', 'provisioning', 'datasources', 'prometheus.yaml')) as { apiVersion: number; datasources: Json[] };
  assert.equal(sources.apiVersion, 1);
  const prometheus = sources.datasources.find((source) => source.type === 'prometheus');
  assert.ok(prometheus, 'a Prometheus data source is provisioned');
  assert.equal((datasource.current as Json).value, prometheus.uid, 'the dashboard defaults to the provisioned data source');
  assert.equal(prometheus.url, 'http://prometheus:9090');
  const providers = readYaml(deployPath('grafana', 'provisioning', 'dashboards', 'cairn.yaml')) as { apiVersion: number; providers: Json[] };
  assert.equal(providers.apiVersion, 1);
  const [provider] = providers.providers;
  assert.equal(provider?.type, 'file');
  const compose = readYaml(deployPath('compose.yaml')) as { services: Record<string, { volumes?: string[] }> };
  const mount = compose.services.grafana!.volumes!.find((volume) => volume.startsWith('./grafana/cairn-dashboard.json:'));
  assert.ok(mount, 'compose mounts the dashboard');
  assert.ok(mount.split(':')[1]!.startsWith(`${String((provider!.options as Json).path)}/`), `${mount} lies in the provider's folder`);
  assert.ok(existsSync(deployPath('grafana', 'cairn-dashboard.json')));
});
