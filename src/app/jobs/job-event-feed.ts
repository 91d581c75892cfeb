import type { JobEvent, JobStore } from '../../stores/job-store.js';
import { JobEventBus, type JobEventListener } from './job-event-bus.js';

/** Events read from the store per query. */
const PAGE = 500;

/**
 * Job events of every process, in the order of the events table, for this process's SSE clients.
 * Events stored here are offered at once; those stored by other processes (a `cairn worker`, another
 * API process) are read from the store every `pollIntervalMs`. Either way each event is delivered once
 * and in `id` order: an offered event that is not the next one after what was delivered (another
 * process stored events in between, or trimmed progress events left a gap) waits for the read that
 * brings them all. With no listener a poll only moves the cursor to the newest event (one indexed
 * lookup), so a listener that arrives later is not handed a backlog.
 *
 * The store's `id` must grow in commit order (SQLite's single writer gives that; a PostgreSQL store
 * must give the same, for example by numbering events under a lock, or an event committed late is
 * skipped by the live feed; SSE clients still find it when they resume from the store).
 */
export class JobEventFeed {
  readonly #store: JobStore;
  readonly #bus = new JobEventBus();
  readonly #pollIntervalMs: number;
  readonly #onError: (message: string, error: unknown) => void;
  /** The id of the last event delivered (or skipped while nobody listened); undefined until started. */
  #cursor: number | undefined;
  #starting: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #pollAgain = false;
  #stopped = false;

  constructor(store: JobStore, options: { pollIntervalMs: number; onError?: (message: string, error: unknown) => void }) {
    this.#store = store;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#onError = options.onError ?? (() => {});
  }

  /** Starts following the store from its newest event. */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      this.#cursor = await this.#store.lastEventId();
      if (this.#stopped) return;
      this.#timer = setInterval(() => this.#poll(), this.#pollIntervalMs);
      this.#timer.unref();
    })();
    return this.#starting;
  }

  /** Answers the function that unsubscribes; call it when the client goes away. Starts the feed if nobody did. */
  subscribe(listener: JobEventListener): () => void {
    if (this.#starting === undefined) void this.start().catch((error: unknown) => this.#onError('Job events could not be read from the store.', error));
    return this.#bus.subscribe(listener);
  }

  /** Events this process just stored, in order. */
  publish(events: JobEvent[]): void {
    for (const event of events) {
      if (this.#cursor === undefined || event.id <= this.#cursor) continue;
      if (event.id !== this.#cursor + 1) {
        this.#poll();
        return;
      }
      this.#deliver(event);
    }
  }

  get listenerCount(): number {
    return this.#bus.listenerCount;
  }

  /** Stops polling; listeners stay subscribed but receive nothing more. */
  stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    return this.#polling ?? Promise.resolve();
  }

  #deliver(event: JobEvent): void {
    this.#cursor = event.id;
    this.#bus.publish([event]);
  }

  #poll(): void {
    if (this.#stopped || this.#cursor === undefined) return;
    if (this.#polling !== undefined) {
      this.#pollAgain = true;
      return;
    }
    this.#polling = this.#read()
      .catch((error: unknown) => this.#onError('Job events could not be read from the store.', error))
      .finally(() => {
        this.#polling = undefined;
        if (this.#pollAgain) {
          this.#pollAgain = false;
          this.#poll();
        }
      });
  }

  async #read(): Promise<void> {
    if (this.#bus.listenerCount === 0) {
      this.#cursor = Math.max(this.#cursor ?? 0, await this.#store.lastEventId());
      return;
    }
    for (;;) {
      const page = await this.#store.eventsAfter(this.#cursor ?? 0, PAGE);
      for (const event of page) if (event.id > (this.#cursor ?? 0)) this.#deliver(event);
      if (page.length < PAGE || this.#stopped) return;
    }
  }
}
