/**
 * Measurements the pipeline reports while it works. The stages call this small interface; the
 * composition root picks the implementation (Prometheus in src/observe/, or `noopTelemetry`), so no
 * stage knows about a metrics library.
 *
 * Units: every `*Ms` measurement is a duration in milliseconds; `answer.tokensPerSecond` is a rate.
 * Ingest stage samples: `parse` and `chunk` once per document, `embed` and `write` once per batch.
 */
export type Measurement =
  | 'ingest.parseMs'
  | 'ingest.chunkMs'
  | 'ingest.embedMs'
  | 'ingest.writeMs'
  | 'search.lexicalMs'
  | 'search.embedMs'
  | 'search.denseMs'
  | 'search.fusionMs'
  | 'search.rerankMs'
  | 'search.hydrateMs'
  | 'search.totalMs'
  | 'answer.ttftMs'
  | 'answer.tokensPerSecond'
  /** Labels: method, route (the route pattern, never the raw URL), status_code. */
  | 'http.requestMs';

/**
 * `ingest.errors` is labelled by error code; `jobs.finished` by the job's final status (succeeded,
 * failed, cancelled); `backup.failures`: backups that failed (scheduled or asked for over the API) in
 * this process.
 */
export type Counter =
  | 'ingest.documents'
  | 'ingest.chunks'
  | 'ingest.errors'
  | 'http.rateLimited'
  | 'jobs.finished'
  | 'backup.failures'
  /** Searches answered from the result cache, and searches it could not answer (computed then cached). */
  | 'search.cacheHits'
  | 'search.cacheMisses';

/**
 * Values read when metrics are collected. `index.chunks` and `index.vectors` are labelled by
 * collection; `jobs.queueDepth` counts queued ingestion jobs and `jobs.running` running ones;
 * `data.diskFreeBytes` and `data.diskSizeBytes` describe the filesystem of the data directory
 * (bytes available to the process, and its total size). `backup.*` describe the newest archive in the
 * backup folder (seconds since the epoch, seconds, bytes); a reader answering `[]` exports no sample
 * (no backup yet).
 */
export type Gauge =
  | 'jobs.queueDepth'
  | 'jobs.running'
  | 'index.chunks'
  | 'index.vectors'
  | 'data.diskFreeBytes'
  | 'data.diskSizeBytes'
  | 'backup.lastSuccessTimestamp'
  | 'backup.lastSuccessAge'
  | 'backup.lastSizeBytes'
  /** Responses held in the search result cache (all collections), and hits / (hits + misses) since start. */
  | 'search.cacheEntries'
  | 'search.cacheHitRatio';

export type Labels = Readonly<Record<string, string>>;

/** One value of a gauge: a number, or one number per label set. */
export type GaugeReading = number | readonly { labels: Labels; value: number }[];

export interface Telemetry {
  observe(measurement: Measurement, value: number, labels?: Labels): void;
  /** Adds `amount` (default 1). */
  count(counter: Counter, amount?: number, labels?: Labels): void;
  /** Registers (or replaces) the reader of a gauge; it is called at each collection and may be async. */
  gauge(gauge: Gauge, read: () => GaugeReading | Promise<GaugeReading>): void;
  /** The exposition text of every metric, or null when metrics are off. */
  exposition(): Promise<{ contentType: string; text: string } | null>;
}

/** Telemetry that records nothing: tests, and servers with metrics turned off. */
export const noopTelemetry: Telemetry = {
  observe() {},
  count() {},
  gauge() {},
  exposition: async () => null,
};
