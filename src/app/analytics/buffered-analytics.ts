import { toCairnError } from '../../core/cairn-error.js';
import type { AnalyticsQuery, AnalyticsStore, AnalyticsSummary, SearchEvent } from '../../stores/analytics-store.js';

/** An event as the use cases report it; the recorder stamps the time. */
export type NewSearchEvent = Omit<SearchEvent, 'at'>;

/**
 * The app's search analytics: `record` is what every search and answer calls (cheap, never throws,
 * never waits on the database); `summarize` reads the store after writing what is buffered.
 */
export interface SearchAnalytics {
  readonly enabled: boolean;
  readonly retentionDays: number;
  record(event: NewSearchEvent): void;
  summarize(query: AnalyticsQuery): Promise<AnalyticsSummary>;
  /** Writes what is buffered (also done on a timer, and by `close`). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface BufferedAnalyticsOptions {
  enabled: boolean;
  retentionDays: number;
  /** Longest time an event waits in memory before it is written. */
  flushIntervalMs?: number;
  /** Events that trigger a write without waiting for the timer. */
  batchSize?: number;
  /** Events kept while writes fail; the oldest are dropped beyond it. */
  maxBuffered?: number;
  /** How often old events are deleted (the first write after opening also prunes). */
  pruneIntervalMs?: number;
  now?: () => number;
  /** Told once per distinct problem (a failing write); analytics never fail a search. */
  onNotice?: (text: string) => void;
}

const DAY_MS = 86_400_000;

/** The part of an AnalyticsStore the recorder uses (not its record transfer for `cairn db copy`). */
export type AnalyticsLog = Pick<AnalyticsStore, 'append' | 'prune' | 'summarize'>;

/**
 * SearchAnalytics over an AnalyticsStore: events are buffered in memory and written in one
 * transaction per batch, off the request (setImmediate or a timer), so a search pays only an array
 * push. Retention pruning runs with a write at most every `pruneIntervalMs`. Timers are unref'd: a
 * CLI process exits without waiting, and `close` writes the rest.
 */
export class BufferedAnalytics implements SearchAnalytics {
  readonly enabled: boolean;
  readonly retentionDays: number;
  readonly #store: AnalyticsLog;
  readonly #flushIntervalMs: number;
  readonly #batchSize: number;
  readonly #maxBuffered: number;
  readonly #pruneIntervalMs: number;
  readonly #now: () => number;
  readonly #onNotice: (text: string) => void;
  #buffer: SearchEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #writing: Promise<void> = Promise.resolve();
  #lastPruneMs = Number.NEGATIVE_INFINITY;
  #closed = false;

  constructor(store: AnalyticsLog, options: BufferedAnalyticsOptions) {
    this.#store = store;
    this.enabled = options.enabled;
    this.retentionDays = options.retentionDays;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#batchSize = options.batchSize ?? 256;
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    this.#pruneIntervalMs = options.pruneIntervalMs ?? 3_600_000;
    this.#now = options.now ?? Date.now;
    this.#onNotice = options.onNotice ?? (() => undefined);
  }

  record(event: NewSearchEvent): void {
    if (!this.enabled || this.#closed) return;
    this.#buffer.push({ ...event, at: new Date(this.#now()).toISOString() });
    if (this.#buffer.length > this.#maxBuffered) this.#buffer.splice(0, this.#buffer.length - this.#maxBuffered);
    if (this.#buffer.length >= this.#batchSize) {
      this.#immediate ??= setImmediate(() => {
        this.#immediate = undefined;
        void this.flush();
      }).unref();
    } else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushIntervalMs).unref();
    }
  }

  async summarize(query: AnalyticsQuery): Promise<AnalyticsSummary> {
    await this.flush();
    return this.#store.summarize(query);
  }

  flush(): Promise<void> {
    // Writes are chained, so events reach the store in the order they were recorded.
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = undefined;
    this.#immediate = undefined;
    await this.flush();
  }

  async #write(): Promise<void> {
    const batch = this.#buffer;
    this.#buffer = [];
    try {
      if (batch.length > 0) await this.#store.append(batch);
      const now = this.#now();
      if (now - this.#lastPruneMs >= this.#pruneIntervalMs) {
        this.#lastPruneMs = now;
        await this.#store.prune(new Date(now - this.retentionDays * DAY_MS).toISOString());
      }
    } catch (error) {
      this.#onNotice(`Search analytics could not be written (${toCairnError(error).message}); the events of that batch were dropped.`);
    }
  }
}
