import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../src/testing/shared-data.js';

/** The deploy files: `deploy/` of the repository (the Dockerfile sits at the root). */
export const DEPLOY_DIR = join(REPO_ROOT, 'deploy');

export const deployPath = (...parts: string[]): string => join(DEPLOY_DIR, ...parts);

/**
 * Every document of a YAML file, as plain data. YAML 1.1 merge keys (`<<: *anchor`) are resolved, as
 * Docker Compose resolves them; a syntax error fails with the file and line.
 */
export function readYamlDocuments(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { merge: true, prettyErrors: true });
  const list = Array.isArray(documents) ? documents : [documents];
  const out: unknown[] = [];
  for (const document of list) {
    if (document.errors.length > 0) throw new Error(`${path}: ${document.errors.map((error) => error.message).join('\n')}`);
    const value: unknown = document.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

export function readYaml(path: string): unknown {
  const [first] = readYamlDocuments(path);
  return first;
}

export type Json = Record<string, unknown>;

export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Why a command-line tool the test needs is unusable here, or null when it runs. Outside CI the test
 * skips with that reason; under CI=true it fails (`skipOutsideCi`).
 */
export function toolMissing(command: string, versionArgs: string[], install: string): string | null {
  const probe = spawnSync(command, versionArgs, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `skipped: ${command} is not installed (${install})`;
  return null;
}

/** `skip` option of node:test: the reason outside CI, never under CI=true (where the test must fail instead). */
export const skipOutsideCi = (reason: string | null): string | false => (reason !== null && process.env.CI !== 'true' ? reason : false);

/**
 * Grafana's variables replaced by values PromQL accepts, so a dashboard query parses as Prometheus
 * would receive it: interval variables become durations, the rest land inside label matchers.
 */
export function withGrafanaVariables(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?__[a-z_]+\}?/g, '0')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?/g, '.*');
}

export interface PromqlReading {
  /** Metric names of every vector selector, in order of appearance (duplicates kept). */
  metrics: string[];
  /** Positions the parser could not read; empty for a valid expression. */
  syntaxErrors: string[];
}

/** Parses PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql). */
export function readPromql(expr: string): PromqlReading {
  const metrics: string[] = [];
  const syntaxErrors: string[] = [];
  const cursor = promqlParser.parse(expr).cursor();
  do {
    if (cursor.type.isError) syntaxErrors.push(`at ${cursor.from}: "${expr.slice(Math.max(0, cursor.from - 10), cursor.to + 10)}"`);
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') metrics.push(expr.slice(cursor.from, cursor.to));
  } while (cursor.next());
  return { metrics, syntaxErrors };
}

export interface DashboardQuery {
  panel: string;
  expr: string;
}

/** Every Prometheus query of a Grafana dashboard: panel targets (rows' nested panels too) and query variables. */
export function dashboardQueries(dashboard: Json): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const visit = (panels: unknown): void => {
    if (!Array.isArray(panels)) return;
    for (const panel of panels.filter(isObject)) {
      for (const target of Array.isArray(panel.targets) ? panel.targets.filter(isObject) : []) {
        if (typeof target.expr === 'string') out.push({ panel: String(panel.title), expr: target.expr });
      }
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  const templating = isObject(dashboard.templating) && Array.isArray(dashboard.templating.list) ? dashboard.templating.list.filter(isObject) : [];
  for (const variable of templating.filter((v) => v.type === 'query')) {
    const query = isObject(variable.query) ? variable.query.query : variable.query;
    const inner = typeof query === 'string' ? /^label_values\((.*),\s*[A-Za-z_]+\)$/.exec(query)?.[1] : undefined;
    if (inner) out.push({ panel: `variable ${String(variable.name)}`, expr: inner });
  }
  return out;
}

export function readDashboard(): Json {
  return JSON.parse(readFileSync(deployPath('grafana', 'cairn-dashboard.json'), 'utf8')) as Json;
}

export interface AlertRule {
  alert: string;
  expr: string;
}

/** The alerting rules of deploy/prometheus/alerts.yml. */
export function readAlertRules(): AlertRule[] {
  const file = readYaml(deployPath('prometheus', 'alerts.yml'));
  const groups = isObject(file) && Array.isArray(file.groups) ? file.groups.filter(isObject) : [];
  return groups.flatMap((group) => (Array.isArray(group.rules) ? group.rules.filter(isObject) : []))
    .map((rule) => ({ alert: String(rule.alert ?? rule.record), expr: String(rule.expr) }));
}
