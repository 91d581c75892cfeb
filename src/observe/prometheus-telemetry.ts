import { collectDefaultMetrics, Counter as PromCounter, Gauge as PromGauge, Histogram, Registry } from 'prom-client';
import type { Counter, Gauge, GaugeReading, Labels, Measurement, Telemetry } from '../core/telemetry.js';

/** Seconds: from sub-millisecond index lookups to minute-long answers and ingest batches. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RATE_BUCKETS = [1, 2, 5, 10, 20, 35, 50, 75, 100, 150, 250, 500, 1000];
/** Values of the `status` label of `cairn_jobs_finished_total` (the finished job statuses). */
const JOB_FINISHED_STATUSES = ['succeeded', 'failed', 'cancelled'] as const;

export interface PrometheusTelemetryOptions {
  /** Also export prom-client's process and Node.js metrics (RSS, CPU, event-loop lag, GC). Default true. */
  processMetrics?: boolean;
}

type Target = { metric: Histogram<string>; labels?: Labels; seconds: boolean };

/**
 * Telemetry as Prometheus metrics, each process with its own registry (so several apps in one test
 * process do not collide). Durations are exported in seconds, the Prometheus convention; stage
 * histograms carry a `stage` label.
 */
export class PrometheusTelemetry implements Telemetry {
  readonly registry = new Registry();
  private readonly targets: Record<Measurement, Target>;
  private readonly counters: Record<Counter, PromCounter<string>>;
  private readonly readers = new Map<Gauge, () => GaugeReading | Promise<GaugeReading>>();

  constructor(options: PrometheusTelemetryOptions = {}) {
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const http = new Histogram({
      name: 'cairn_http_request_duration_seconds', help: 'HTTP requests by route pattern, method and status code.',
      labelNames: ['method', 'route', 'status_code'], buckets: DURATION_BUCKETS, registers,
    });
    const ingest = new Histogram({
      name: 'cairn_ingest_stage_duration_seconds', help: 'Ingest stages: parse and chunk per document, embed and write per batch.',
      labelNames: ['stage'], buckets: DURATION_BUCKETS, registers,
    });
    const search = new Histogram({
      name: 'cairn_search_stage_duration_seconds', help: 'Retrieval stages per query (dense includes the query embedding, also reported alone as embed).',
      labelNames: ['stage'], buckets: DURATION_BUCKETS, registers,
    });
    const ttft = new Histogram({ name: 'cairn_answer_time_to_first_token_seconds', help: 'From the question to the first streamed answer token.', buckets: DURATION_BUCKETS, registers });
    const rate = new Histogram({ name: 'cairn_answer_tokens_per_second', help: 'Decode speed of streamed answers.', buckets: RATE_BUCKETS, registers });
    const stage = (metric: Histogram<string>, name: string): Target => ({ metric, labels: { stage: name }, seconds: true });
    this.targets = {
      'ingest.parseMs': stage(ingest, 'parse'),
      'ingest.chunkMs': stage(ingest, 'chunk'),
      'ingest.embedMs': stage(ingest, 'embed'),
      'ingest.writeMs': stage(ingest, 'write'),
      'search.lexicalMs': stage(search, 'lexical'),
      'search.embedMs': stage(search, 'embed'),
      'search.denseMs': stage(search, 'dense'),
      'search.fusionMs': stage(search, 'fusion'),
      'search.rerankMs': stage(search, 'rerank'),
      'search.hydrateMs': stage(search, 'hydrate'),
      'search.totalMs': stage(search, 'total'),
      'answer.ttftMs': { metric: ttft, seconds: true },
      'answer.tokensPerSecond': { metric: rate, seconds: false },
      'http.requestMs': { metric: http, seconds: true },
    };
    this.counters = {
      'ingest.documents': new PromCounter({ name: 'cairn_ingest_documents_total', help: 'Documents written (new or updated).', registers }),
      'ingest.chunks': new PromCounter({ name: 'cairn_ingest_chunks_total', help: 'Chunks written.', registers }),
      'ingest.errors': new PromCounter({ name: 'cairn_ingest_errors_total', help: 'Files not ingested, by error code.', labelNames: ['code'], registers }),
      'http.rateLimited': new PromCounter({ name: 'cairn_http_rate_limited_total', help: 'Requests refused with 429.', registers }),
      'backup.failures': new PromCounter({ name: 'cairn_backup_failures_total', help: 'Backups that failed in this server (scheduled or POST /v1/backups).', registers }),
      'search.cacheHits': new PromCounter({ name: 'cairn_search_cache_hits_total', help: 'Searches answered from the result cache.', registers }),
      'search.cacheMisses': new PromCounter({ name: 'cairn_search_cache_misses_total', help: 'Searches the result cache could not answer (computed, then cached).', registers }),
      'jobs.finished': new PromCounter({ name: 'cairn_jobs_finished_total', help: 'Ingestion jobs this process finished, by final status.', labelNames: ['status'], registers }),
    };
    // Every status exported from the start at 0: `increase()` over a series that appears at its first
    // failure would miss that failure, and alert rules need the series to exist.
    for (const status of JOB_FINISHED_STATUSES) this.counters['jobs.finished'].inc({ status }, 0);
    this.gaugeMetric('jobs.queueDepth', 'cairn_jobs_queue_depth', 'Ingestion jobs waiting for a worker.', []);
    this.gaugeMetric('jobs.running', 'cairn_jobs_running', 'Ingestion jobs running.', []);
    this.gaugeMetric('index.chunks', 'cairn_index_chunks', 'Chunks stored per collection.', ['collection']);
    this.gaugeMetric('index.vectors', 'cairn_index_vectors', 'Chunks with a vector per collection.', ['collection']);
    // No sample until a backup exists in backup.dir (by any process: this server, `cairn backup create`, an earlier run).
    this.gaugeMetric('backup.lastSuccessTimestamp', 'cairn_backup_last_success_timestamp_seconds', 'When the newest backup archive in backup.dir was taken (Unix time).', []);
    this.gaugeMetric('backup.lastSuccessAge', 'cairn_backup_last_success_age_seconds', 'Seconds since the newest backup archive in backup.dir was taken.', []);
    this.gaugeMetric('backup.lastSizeBytes', 'cairn_backup_last_size_bytes', 'Size of the newest backup archive in backup.dir.', []);
    this.gaugeMetric('search.cacheEntries', 'cairn_search_cache_entries', 'Search responses held in the result cache (all collections).', []);
    this.gaugeMetric('search.cacheHitRatio', 'cairn_search_cache_hit_ratio', 'Share of cache lookups answered from the cache since the process started (0 before any).', []);
    this.gaugeMetric('data.diskFreeBytes', 'cairn_data_disk_free_bytes', 'Bytes available to Cairn on the filesystem of its data directory (CAIRN_HOME).', []);
    this.gaugeMetric('data.diskSizeBytes', 'cairn_data_disk_size_bytes', 'Total size in bytes of the filesystem of the data directory (CAIRN_HOME).', []);
  }

  observe(measurement: Measurement, value: number, labels?: Labels): void {
    if (!Number.isFinite(value)) return;
    const target = this.targets[measurement];
    const sample = target.seconds ? value / 1000 : value;
    const all = labels ? { ...target.labels, ...labels } : target.labels;
    if (all) target.metric.observe(all, sample);
    else target.metric.observe(sample);
  }

  count(counter: Counter, amount = 1, labels?: Labels): void {
    if (amount <= 0) return;
    if (labels) this.counters[counter].inc(labels, amount);
    else this.counters[counter].inc(amount);
  }

  gauge(gauge: Gauge, read: () => GaugeReading | Promise<GaugeReading>): void {
    this.readers.set(gauge, read);
  }

  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  /** A gauge whose value is read from the registered reader at each scrape (absent reader: 0 without labels; `[]`: no sample). */
  private gaugeMetric(gauge: Gauge, name: string, help: string, labelNames: string[]): void {
    const readers = this.readers;
    new PromGauge({
      name, help, labelNames, registers: [this.registry],
      async collect() {
        this.reset();
        const read = readers.get(gauge);
        if (!read) return;
        const reading = await read();
        if (typeof reading === 'number') this.set(reading);
        else for (const { labels, value } of reading) this.set(labels, value);
        // A gauge without labels holds 0 after reset(); a reader answering [] means "no sample" (no backup yet).
        if (typeof reading !== 'number' && reading.length === 0 && labelNames.length === 0) this.remove({});
      },
    });
  }
}
