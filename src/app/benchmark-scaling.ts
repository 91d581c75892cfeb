import { setImmediate } from 'node:timers/promises';
import { z } from 'zod';
import { CairnError, toCairnError } from '../core/cairn-error.js';
import type { CairnApp } from './cairn-app.js';
import { collectionNameSchema } from './input-schemas.js';
import { search } from './search.js';
import { collectionNotFound } from './collection-not-found.js';

export const scalingBenchmarkInputSchema = z
  .object({
    collection: collectionNameSchema,
    /** One query for every request; unset: the titles of up to 64 documents of the collection, in turn. */
    query: z.string().trim().min(1).max(4000).optional(),
    mode: z.enum(['lexical', 'dense', 'hybrid']).optional(),
    /** Highest concurrency; the steps are 1, 2, 4, … up to it (and it, when it is not a power of two). */
    maxConcurrency: z.number().int().min(1).max(256).default(64),
    /** Length of each step in milliseconds. */
    durationMs: z.number().int().min(100).max(5000).default(1000),
  })
  .strict();

export type ScalingBenchmarkInput = z.infer<typeof scalingBenchmarkInputSchema>;

export interface ScalingStep {
  concurrency: number;
  /** Searches finished in the step (errors included). */
  requests: number;
  errors: number;
  throughputRps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface ScalingBenchmarkResult {
  startedAt: string;
  collection: string;
  /** The mode that ran, which is lexical when the collection cannot serve the requested one. */
  mode: 'lexical' | 'dense' | 'hybrid';
  /** The mode asked for (or configured). */
  requestedMode: 'lexical' | 'dense' | 'hybrid';
  /** Why the run differs from what was asked (the warm-up search's notices), e.g. no vectors. */
  notices: string[];
  steps: ScalingStep[];
  /** Chunks per second of the latest ingestion run that wrote chunks into the collection, when known. */
  ingest: { chunksPerSecond: number | null; at: string | null };
}

/** Apps with a benchmark in progress: one at a time per app, since each one saturates the process. */
const running = new WeakSet<CairnApp>();

/**
 * Use case: search throughput and latency against concurrency, in this process (no HTTP in the
 * measurement). Each step runs `concurrency` loops of the search use case for `durationMs`; latency
 * is the wall time of one search call, so above the core count it includes the wait for the event
 * loop. Bounded: at most 9 steps of at most 5 s. A second call while one runs is refused
 * (BENCHMARK_RUNNING); a cancelled signal ends the current step and the run.
 */
export async function benchmarkScaling(app: CairnApp, input: ScalingBenchmarkInput, signal?: AbortSignal): Promise<ScalingBenchmarkResult> {
  if (running.has(app)) {
    throw new CairnError('BENCHMARK_RUNNING', 'A scaling benchmark is already running.', { hint: 'Wait for it to finish, then try again.', retryable: true });
  }
  running.add(app);
  try {
    const startedAt = new Date().toISOString();
    const collection = await app.chunks.getCollection(input.collection);
    if (!collection) {
      throw await collectionNotFound(app, input.collection, 'List collections with `GET /v1/collections`.');
    }
    const queries = input.query ? [input.query] : await sampleQueries(app, collection.name);
    if (queries.length === 0) {
      throw new CairnError('INPUT_INVALID', `Collection "${collection.name}" has no documents to take queries from.`, { hint: 'Name a query, or ingest documents first.' });
    }
    const mode = input.mode ?? app.config.search.mode;
    // One warm-up search loads the embedder and fails early on a bad mode or collection.
    const warm = await search(app, { collection: collection.name, query: queries[0]!, mode, ...(signal ? { signal } : {}) });
    const steps: ScalingStep[] = [];
    for (const concurrency of concurrencySteps(input.maxConcurrency)) {
      if (signal?.aborted) break;
      steps.push(await runStep(app, { collection: collection.name, mode, queries, concurrency, durationMs: input.durationMs, signal }));
    }
    const run = await app.chunks.latestRun?.(collection.name);
    return {
      startedAt,
      collection: collection.name,
      mode: warm.mode,
      requestedMode: mode,
      notices: warm.notices,
      steps,
      ingest: run ? { chunksPerSecond: run.millis > 0 ? round((run.chunksWritten * 1000) / run.millis) : null, at: run.finishedAt } : { chunksPerSecond: null, at: null },
    };
  } finally {
    running.delete(app);
  }
}

/** 1, 2, 4, … up to `max`, ending with `max` itself. */
export function concurrencySteps(max: number): number[] {
  const steps: number[] = [];
  for (let c = 1; c < max; c *= 2) steps.push(c);
  steps.push(max);
  return steps;
}

interface StepOptions {
  collection: string;
  mode: 'lexical' | 'dense' | 'hybrid';
  queries: string[];
  concurrency: number;
  durationMs: number;
  signal: AbortSignal | undefined;
}

async function runStep(app: CairnApp, options: StepOptions): Promise<ScalingStep> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const loop = async () => {
    while (performance.now() < deadline && !options.signal?.aborted) {
      const query = options.queries[next++ % options.queries.length]!;
      const begin = performance.now();
      try {
        await search(app, { collection: options.collection, query, mode: options.mode });
      } catch (error) {
        if (toCairnError(error).code === 'ABORTED') break;
        errors += 1;
      }
      latencies.push(performance.now() - begin);
      // A search with a synchronous embedder resolves in microtasks alone: yield to the event loop so
      // the server keeps answering other requests (and this run's own cancellation) meanwhile.
      await setImmediate();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency: options.concurrency,
    requests: latencies.length,
    errors,
    throughputRps: round(latencies.length / seconds),
    p50Ms: round(nearestRank(latencies, 50)),
    p95Ms: round(nearestRank(latencies, 95)),
    p99Ms: round(nearestRank(latencies, 99)),
  };
}

/** Titles (or paths) of up to 64 documents, so the steps do not repeat one query. */
async function sampleQueries(app: CairnApp, collection: string): Promise<string[]> {
  const page = await app.chunks.listDocuments({ collection, limit: 64, offset: 0 });
  return page.items.map((doc) => (doc.title.trim() || doc.relativePath).slice(0, 200)).filter((text) => /[\p{L}\p{N}]/u.test(text));
}

/** Nearest-rank percentile of ascending samples; 0 when there are none. */
function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
