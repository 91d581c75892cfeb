import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { dashboardQueries, deployPath, readAlertRules, readDashboard, readPromql, readYaml, skipOutsideCi, toolMissing, withGrafanaVariables } from './deploy-files.js';

const PROMTOOL_MISSING = toolMissing('promtool', ['--version'], "Debian's prometheus package ships it: apt-get install --no-install-recommends prometheus; .ci/run installs it");

/** Runs promtool (Prometheus's own checker) and fails the test with its output when it does. */
function promtool(args: string[], cwd: string): string {
  if (PROMTOOL_MISSING) assert.fail(PROMTOOL_MISSING.replace('skipped: ', ''));
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${output}`);
  return output;
}

test('promtool check config: the scrape configuration and the rule files it loads', { skip: skipOutsideCi(PROMTOOL_MISSING) }, () => {
  const output = promtool(['check', 'config', 'prometheus.yml'], deployPath('prometheus'));
  assert.match(output, /SUCCESS: 1 rule files found/);
});

test('promtool check rules, then the unit tests of every alert (alerts.test.yml)', { skip: skipOutsideCi(PROMTOOL_MISSING) }, () => {
  const rules = readAlertRules();
  assert.match(promtool(['check', 'rules', 'alerts.yml'], deployPath('prometheus')), new RegExp(`SUCCESS: ${rules.length} rules found`));
  promtool(['test', 'rules', 'alerts.test.yml'], deployPath('prometheus'));
  // Each alert is exercised by at least one case that expects it to fire.
  const tests = readYaml(deployPath('prometheus', 'alerts.test.yml')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] };
  const firing = new Set(tests.tests.flatMap((t) => t.alert_rule_test ?? []).filter((c) => (c.exp_alerts?.length ?? 0) > 0).map((c) => c.alertname));
  for (const { alert } of rules) assert.ok(firing.has(alert), `alerts.test.yml has no case where ${alert} fires`);
});

test('the alert rules cover what the issue asks for', () => {
  const rules = readAlertRules();
  const byMetric = (metric: string) => rules.filter(({ expr }) => readPromql(expr).metrics.includes(metric)).map(({ alert }) => alert);
  assert.ok(byMetric('up').length > 0, 'instance down');
  assert.ok(byMetric('cairn_jobs_finished_total').length > 0, 'job failures');
  assert.ok(byMetric('cairn_jobs_queue_depth').length > 0, 'queue depth growing');
  assert.ok(byMetric('cairn_backup_last_success_age_seconds').length > 0, 'last backup too old');
  assert.ok(byMetric('cairn_data_disk_free_bytes').length > 0, 'disk almost full');
  for (const { alert, expr } of rules) assert.deepEqual(readPromql(expr).syntaxErrors, [], `${alert}: ${expr}`);
});

test('the scrape jobs are the job names the alert rules and the dashboard select', () => {
  const config = readYaml(deployPath('prometheus', 'prometheus.yml')) as { scrape_configs: { job_name: string }[] };
  const jobs = new Set(config.scrape_configs.map((scrape) => scrape.job_name));
  const selected = [...readAlertRules().map(({ expr }) => expr), ...dashboardQueries(readDashboard()).map(({ expr }) => expr)]
    .flatMap((expr) => [...expr.matchAll(/job=~?"([^"]+)"/g)].flatMap(([, value]) => value!.split('|')));
  assert.ok(selected.length > 0, 'the rules and the dashboard select jobs');
  for (const job of selected) assert.ok(jobs.has(job), `"${job}" is not a scrape job of prometheus.yml (${[...jobs].join(', ')})`);
});

test("promtool parses every dashboard query (as recording rules: Prometheus's own parser)", { skip: skipOutsideCi(PROMTOOL_MISSING) }, () => {
  const queries = dashboardQueries(readDashboard());
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dashboard-rules-'));
  try {
    const rules = queries.map(({ expr }, index) => ({ record: `cairn:dashboard_query_${index}`, expr: withGrafanaVariables(expr) }));
    writeFileSync(join(dir, 'dashboard.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    assert.match(promtool(['check', 'rules', 'dashboard.yml'], dir), new RegExp(`SUCCESS: ${queries.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
