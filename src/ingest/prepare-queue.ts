import type { SourceItem } from '../core/source-item.js';
import type { DocumentState } from '../stores/chunk-store.js';
import type { PrepareOutcome, PreparePool } from './prepare-pool.js';

interface Entry {
  item: SourceItem;
  state: DocumentState | undefined;
  /** Set once the entry went to the pool. */
  sent?: Promise<PrepareOutcome>;
  done?: PrepareOutcome;
}

export interface PrepareQueueOptions {
  /** Jobs kept queued per worker: enough to cover the main thread's longest write burst. */
  perWorker: number;
  /** Prepares one document on the calling (main) thread. */
  inline: (item: SourceItem, state: DocumentState | undefined) => Promise<PrepareOutcome>;
}

/**
 * Documents waiting to be prepared, handed out in the order they were added (so the store sees the
 * same writes whatever the pool size). Each worker gets up to `perWorker` jobs; the rest wait here,
 * and whenever the caller would otherwise wait for the worker it prepares a waiting document itself:
 * on 2 cores the main thread then fills its idle time instead of leaving a core unused.
 */
export class PrepareQueue {
  readonly #entries: Entry[] = [];
  readonly #options: PrepareQueueOptions;
  #pool: PreparePool | null = null;

  constructor(options: PrepareQueueOptions) {
    this.#options = options;
  }

  get length(): number {
    return this.#entries.length;
  }

  usePool(pool: PreparePool | null): void {
    this.#pool = pool;
    this.#topUp();
  }

  add(item: SourceItem, state: DocumentState | undefined): void {
    this.#entries.push({ item, state });
    this.#topUp();
  }

  /**
   * The outcome of the oldest document. Rejects only when the pool fails (the run ends); PARSE_*
   * failures come back as `{ ok: false }`.
   */
  async next(): Promise<{ item: SourceItem; outcome: PrepareOutcome }> {
    for (;;) {
      const head = this.#entries[0];
      if (head === undefined) throw new Error('PrepareQueue.next() on an empty queue.');
      if (head.done) {
        this.#entries.shift();
        return { item: head.item, outcome: head.done };
      }
      if (head.sent === undefined) {
        head.done = await this.#options.inline(head.item, head.state);
        continue;
      }
      let spare: Entry | undefined;
      for (let i = this.#entries.length - 1; i > 0 && spare === undefined; i--) {
        const entry = this.#entries[i] as Entry;
        if (entry.sent === undefined && entry.done === undefined) spare = entry;
      }
      if (spare !== undefined) {
        spare.done = await this.#options.inline(spare.item, spare.state);
        continue;
      }
      head.done = await head.sent;
    }
  }

  #topUp(): void {
    const pool = this.#pool;
    if (pool === null) return;
    const capacity = pool.size * this.#options.perWorker;
    for (const entry of this.#entries) {
      if (pool.outstanding >= capacity) return;
      if (entry.sent !== undefined || entry.done !== undefined) continue;
      const sent = pool.prepare(entry.item, entry.state);
      // Rejections surface when the entry reaches the head; until then they must not be unhandled.
      sent.then(
        () => this.#topUp(),
        () => {},
      );
      entry.sent = sent;
    }
  }
}
