/**
 * Shared pieces of the benchmarks in bench/: machine facts, timing statistics, temporary homes,
 * corpus subsets, and opening Cairn through the same use-case layer the CLI uses.
 * Benchmarks are scripts, not tests: run them with `node --import tsx bench/<name>.ts`.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import type { CairnApp } from '../src/app/cairn-app.js';
import { ingest } from '../src/app/ingest.js';
import { openCairn } from '../src/app/open-cairn.js';
import type { CairnConfig } from '../src/config/config-schema.js';
import { loadConfig, type DeepPartial } from '../src/config/load-config.js';
import type { IngestEvent, IngestSummary } from '../src/ingest/ingest-events.js';

export const SHARED = '/work/shared';
export const DOCS_CORPUS = join(SHARED, 'data', 'docs-corpus');
export const MODELS_DIR = join(SHARED, 'models');
export const STATIC_EMBEDDER = `static:${join(MODELS_DIR, 'cairn', 'static-minilm-vocab-256')}`;
export const MINILM_SHAPED_EMBEDDER = 'onnx:cairn/minilm-l6-shape-random';

/** Where and when a result was measured; printed with every result so numbers are never read out of context. */
export interface MachineFacts {
  at: string;
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  totalMemGiB: number;
  loadAverageBefore: number[];
}

export function machineFacts(): MachineFacts {
  return {
    at: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    totalMemGiB: round(os.totalmem() / 2 ** 30, 1),
    loadAverageBefore: os.loadavg().map((value) => round(value, 2)),
  };
}

/** Peak resident set size of this process so far, in MiB (`maxRSS` is in KiB on every platform Node supports). */
export function peakRssMiB(): number {
  return round(process.resourceUsage().maxRSS / 1024, 1);
}

export function loadAverage(): number[] {
  return os.loadavg().map((value) => round(value, 2));
}

export function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Millisecond statistics rounded to microseconds. */
export function latencyStats(samples: readonly number[]): LatencyStats {
  const sum = samples.reduce((total, value) => total + value, 0);
  return {
    n: samples.length,
    p50: round(percentile(samples, 50), 3),
    p95: round(percentile(samples, 95), 3),
    p99: round(percentile(samples, 99), 3),
    mean: round(samples.length === 0 ? Number.NaN : sum / samples.length, 3),
    max: round(samples.length === 0 ? Number.NaN : Math.max(...samples), 3),
  };
}


export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(os.tmpdir(), prefix));
}

export function removeDirectory(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Files under `root`, sorted by UTF-16 code units at every level (the walker's order), as relative paths. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (directory: string) => {
    const entries = readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) if (entry.isFile()) out.push(relative(root, join(directory, entry.name)));
    for (const entry of entries) if (entry.isDirectory()) visit(join(directory, entry.name));
  };
  visit(root);
  return out;
}

/**
 * Copies `limit` files of `source` into a new temporary directory, keeping their relative paths.
 * The files are taken round-robin over the top-level folders (the 28 projects of the docs corpus),
 * each folder in walk order, so a small subset still mixes every project's writing style.
 */
export function copySubset(source: string, limit: number, into: string): { root: string; files: number } {
  const top = readdirSync(source, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const queues: string[][] = [];
  const rootFiles: string[] = [];
  for (const entry of top) {
    if (entry.isDirectory()) queues.push(listFiles(join(source, entry.name)).map((path) => join(entry.name, path)));
    else if (entry.isFile()) rootFiles.push(entry.name);
  }
  if (rootFiles.length > 0) queues.unshift(rootFiles);
  const chosen: string[] = [];
  for (let index = 0; chosen.length < limit; index++) {
    let any = false;
    for (const queue of queues) {
      const path = queue[index];
      if (path === undefined) continue;
      any = true;
      chosen.push(path);
      if (chosen.length >= limit) break;
    }
    if (!any) break;
  }
  const root = join(into, 'subset');
  for (const path of chosen) {
    const target = join(root, path);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(source, path), target);
  }
  return { root, files: chosen.length };
}

export interface BenchConfigOptions {
  home: string;
  embedder?: string;
  modelsDir?: string;
  onnxDtype?: 'q8' | 'fp32' | 'fp16';
  onnxThreads?: number;
  /** HNSW search breadth (config vectorIndex.efSearch); unset keeps the default. */
  efSearch?: number;
  /** config search.lexicalAccelerator; unset keeps `auto` (off in a one-shot process like these). */
  lexicalAccelerator?: 'auto' | 'on' | 'off';
  /** A PostgreSQL URL (CAIRN_DATABASE_URL): the knowledge base on PostgreSQL instead of the SQLite file. */
  databaseUrl?: string;
  /** config ingest.nearDuplicates.enabled; unset keeps the default (on). */
  nearDuplicates?: boolean;
  /** config ingest.nearDuplicates.boilerplateDf; unset keeps the default. */
  boilerplateDf?: number;
  /** config search.cache.enabled; unset keeps the default (on). */
  searchCache?: boolean;
}

/**
 * The configuration a user gets with `CAIRN_HOME`, `CAIRN_MODELS_DIR` and `CAIRN_EMBEDDER` set
 * (downloads off: a benchmark must never measure the network), built by the real loader.
 */
export function benchConfig(options: BenchConfigOptions): CairnConfig {
  const home = resolve(options.home);
  const env: NodeJS.ProcessEnv = { CAIRN_HOME: home, CAIRN_OFFLINE: '1' };
  if (options.modelsDir) env.CAIRN_MODELS_DIR = resolve(options.modelsDir);
  if (options.embedder) env.CAIRN_EMBEDDER = options.embedder;
  if (options.databaseUrl) env.CAIRN_DATABASE_URL = options.databaseUrl;
  const flags: DeepPartial<CairnConfig> = { models: {} };
  if (options.onnxDtype && flags.models) flags.models.onnxDtype = options.onnxDtype;
  if (options.onnxThreads !== undefined && flags.models) flags.models.onnxThreads = options.onnxThreads;
  if (options.efSearch !== undefined) flags.vectorIndex = { efSearch: options.efSearch };
  if (options.lexicalAccelerator !== undefined) flags.search = { lexicalAccelerator: options.lexicalAccelerator };
  if (options.searchCache !== undefined) flags.search = { ...flags.search, cache: { enabled: options.searchCache } };
  if (options.nearDuplicates !== undefined || options.boilerplateDf !== undefined) {
    flags.ingest = {
      nearDuplicates: {
        ...(options.nearDuplicates === undefined ? {} : { enabled: options.nearDuplicates }),
        ...(options.boilerplateDf === undefined ? {} : { boilerplateDf: options.boilerplateDf }),
      },
    };
  }
  // The home as working directory: a cairn.config.json wherever the script is started must not leak in.
  return loadConfig({ env, flags, cwd: home });
}

export async function openBenchApp(options: BenchConfigOptions): Promise<CairnApp> {
  return openCairn(benchConfig(options), { onNotice: (text) => process.stderr.write(`notice: ${text}\n`) });
}

/**
 * Opens Cairn, ingests once and closes it, as one `cairn ingest` command would. `wallMs` and
 * `cpuMs` (user + system of the whole process, native threads included) cover open to close.
 */
export async function timedIngest(options: BenchConfigOptions, collection: string, source: string, label: string): Promise<{ summary: IngestSummary; wallMs: number; cpuMs: number }> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const app = await openBenchApp(options);
  let files = 0;
  let chunks = 0;
  const onEvent = (event: IngestEvent) => {
    if (event.type !== 'file' && event.type !== 'skipped') return;
    files++;
    if (event.type === 'file') chunks += event.chunks;
    if (files % 1000 === 0) {
      const seconds = (performance.now() - started) / 1000;
      process.stderr.write(`${label}: ${files} files, ${chunks} chunks, ${seconds.toFixed(1)} s, ${(chunks / seconds).toFixed(0)} chunks/s\n`);
    }
  };
  let summary: IngestSummary;
  try {
    summary = await ingest(app, { collection, sources: [source], onEvent });
  } finally {
    await app.close();
  }
  const cpu = process.cpuUsage(cpuStarted);
  return { summary, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Prints the machine-readable line first (one JSON object, prefixed for grep), then the human summary. */
export function report(name: string, result: Record<string, unknown>, summary: string[]): void {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ bench: name, ...result })}\n`);
  process.stdout.write(`\n${summary.join('\n')}\n`);
}

export function parseIntegerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a whole number, got "${value}"`);
  return parsed;
}
