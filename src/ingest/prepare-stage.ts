import { toCairnError } from '../core/cairn-error.js';
import type { ParseLimits } from './parse/parse-limits.js';
import type { SourceItem } from '../core/source-item.js';
import type { Embedder } from '../models/embed/embedder.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import type { DocumentState } from '../stores/chunk-store.js';
import { prepareDocument, type PrepareOptions, type StageTimes } from './prepare-document.js';
import { defaultPrepareWorkers, PreparePool, type PrepareOutcome } from './prepare-pool.js';
import { PrepareQueue } from './prepare-queue.js';
import { describeForWorker } from './worker-recipe.js';

export interface PrepareStageOptions {
  tokenizer: TokenCounter;
  /** Passed to the workers so that the static model embeds where it chunks (see describeForWorker). */
  embedder: Embedder | null;
  chunkSize: number;
  chunkOverlap: number;
  maxTokens: number;
  force: boolean;
  /** `ingest.limits`: what one file may cost to parse; the configuration's defaults when absent. */
  parseLimits?: ParseLimits;
  /** Worker threads; default `defaultPrepareWorkers()`; 0 prepares inline. */
  workers?: number;
  /** Documents prepared inline before the pool starts (default 32). */
  inlineFirst?: number;
  /** Most documents being prepared at once (default 16 per worker, at least 8). */
  maxInFlight?: number;
  signal?: AbortSignal;
  /** Handles each document's outcome, in the order the documents were added. */
  onOutcome: (item: SourceItem, outcome: PrepareOutcome) => Promise<void>;
  onNotice: (text: string) => void;
}

/**
 * The prepare stage of an ingest (read → parse → chunk, and embed for the static model): a pool of
 * worker threads, with the calling thread preparing a waiting document whenever it would otherwise
 * wait. The first `inlineFirst` documents are prepared inline, so tiny inputs never pay for starting
 * the pool. Outcomes are handed on in the order documents were added, so the writes do not depend on
 * the pool size; `add` returns once fewer than `maxInFlight` documents are in preparation.
 */
export class PrepareStage {
  readonly #options: PrepareStageOptions;
  readonly #prepareOptions: PrepareOptions;
  readonly #workers: number;
  readonly #recipe: ReturnType<typeof describeForWorker> | null;
  readonly #inlineFirst: number;
  readonly #maxInFlight: number;
  readonly #queue: PrepareQueue;
  readonly #onAbort = () => void this.#pool?.close();
  #preparedInline = 0;
  #pool: PreparePool | null = null;
  #poolStart: Promise<void> | null = null;

  constructor(options: PrepareStageOptions) {
    this.#options = options;
    const { tokenizer, chunkSize, chunkOverlap, maxTokens, force, parseLimits, signal } = options;
    this.#prepareOptions = { tokenizer, chunkSize, chunkOverlap, maxTokens, force, parseLimits, signal };
    this.#workers = Math.max(0, Math.floor(options.workers ?? defaultPrepareWorkers()));
    this.#recipe = this.#workers > 0 ? describeForWorker(tokenizer, options.embedder) : null;
    this.#inlineFirst = options.inlineFirst ?? 32;
    // Each worker holds up to 16 jobs (a write burst of the main thread is shorter than 16 documents'
    // preparation); the queue holds twice what the workers hold, for the main thread to take from.
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? Math.max(8, 32 * this.#workers));
    const perWorker = Math.max(1, Math.min(16, Math.floor(this.#maxInFlight / Math.max(1, 2 * this.#workers))));
    this.#queue = new PrepareQueue({ perWorker, inline: (item, state) => this.#prepareInline(item, state) });
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  async add(item: SourceItem, state: DocumentState | undefined): Promise<void> {
    if (this.#preparedInline >= this.#inlineFirst) await this.#startPool();
    this.#queue.add(item, state);
    while (this.#queue.length >= this.#maxInFlight || (this.#pool === null && this.#queue.length > 0)) await this.#takeHead();
  }

  /** Hands on every document added so far. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#takeHead();
  }

  /** Ends the pool (after its start, if one is under way). */
  async close(): Promise<void> {
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    await this.#poolStart;
    await this.#pool?.close();
  }

  /**
   * Started once `inlineFirst` documents were prepared inline, and awaited (tens of milliseconds from
   * dist/): every later document goes to the workers. A pool that cannot start leaves the run inline.
   */
  async #startPool(): Promise<void> {
    if (this.#recipe === null || this.#poolStart !== null) return;
    const { chunkSize, chunkOverlap, maxTokens, force, parseLimits } = this.#options;
    this.#poolStart = PreparePool.start(this.#workers, { recipe: this.#recipe, chunkSize, chunkOverlap, maxTokens, force, parseLimits }).then(
      (started) => {
        this.#pool = started;
        this.#queue.usePool(started);
      },
      (error: unknown) => {
        this.#options.onNotice(`Prepared documents on the main thread: the worker pool did not start (${toCairnError(error).message}).`);
      },
    );
    await this.#poolStart;
    this.#options.signal?.throwIfAborted();
  }

  async #prepareInline(item: SourceItem, state: DocumentState | undefined): Promise<PrepareOutcome> {
    const times: StageTimes = { read: 0, parse: 0, chunk: 0 };
    this.#preparedInline += 1;
    try {
      return { ok: true, prepared: await prepareDocument(item, state, this.#prepareOptions, times), times };
    } catch (error) {
      if (this.#options.signal?.aborted) throw error;
      return { ok: false, error: toCairnError(error, 'PARSE_FAILED'), times };
    }
  }

  /** The oldest document's outcome, handed on; outcomes leave in submission order. */
  async #takeHead(): Promise<void> {
    const { signal } = this.#options;
    let next: Awaited<ReturnType<PrepareQueue['next']>>;
    try {
      next = await this.#queue.next();
    } catch (error) {
      signal?.throwIfAborted();
      throw error;
    }
    signal?.throwIfAborted();
    await this.#options.onOutcome(next.item, next.outcome);
  }
}
