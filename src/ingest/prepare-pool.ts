import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { CairnError, type ErrorCode } from '../core/cairn-error.js';
import { startWorker } from '../core/start-worker.js';
import type { SourceItem } from '../core/source-item.js';
import type { DocumentState } from '../stores/chunk-store.js';
import type { PreparedDocument, StageTimes } from './prepare-document.js';
import type { PrepareJob, PrepareReply, PrepareWorkerData, WireError } from './prepare-protocol.js';

/** What one job gives back: the prepared document, or the CairnError (PARSE_*) that skips the file. */
export type PrepareOutcome = { ok: true; prepared: PreparedDocument; times: StageTimes } | { ok: false; error: CairnError; times: StageTimes };

/** Default pool size: every core but the one the main thread embeds and writes on. */
export function defaultPrepareWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

interface Pending {
  resolve: (outcome: PrepareOutcome) => void;
  reject: (error: unknown) => void;
  job: PrepareJob;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

function fromWire(error: WireError): CairnError {
  return new CairnError(error.code as ErrorCode, error.message, error.hint === undefined ? {} : { hint: error.hint });
}

/**
 * A fixed pool of worker threads that read, parse, chunk (and, for the static model, embed) documents.
 * `prepare` resolves with the outcome of one document; it rejects only when the pool itself fails
 * (a worker crashed or could not start), which ends the run. Jobs go to the worker with the fewest
 * outstanding ones; results do not depend on which worker ran them.
 */
export class PreparePool {
  readonly #slots: Slot[];
  readonly #dimensions: number;
  #nextId = 0;
  #failure: Error | undefined;

  private constructor(slots: Slot[], dimensions: number) {
    this.#slots = slots;
    this.#dimensions = dimensions;
  }

  static async start(size: number, data: PrepareWorkerData): Promise<PreparePool> {
    const slots: Slot[] = [];
    const pool = new PreparePool(slots, data.recipe.embedder?.dimensions ?? 0);
    const ready: Promise<void>[] = [];
    for (let i = 0; i < size; i++) {
      const worker = startWorker(new URL('./prepare-worker.js', import.meta.url), data);
      const slot: Slot = { worker, pending: new Map() };
      slots.push(slot);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (reply: PrepareReply) => {
            if (reply.type === 'ready') resolve();
            else if (reply.type === 'init-failed') reject(fromWire(reply.error));
            else pool.#settle(slot, reply);
          });
          worker.on('error', (error) => {
            reject(error);
            pool.#fail(error);
          });
          worker.on('exit', (code) => {
            const error = new CairnError('INTERNAL', `A prepare worker exited with code ${code}.`, { hint: 'Run the ingest again with ingest workers set to 0 to see the error inline.' });
            reject(error);
            pool.#fail(error);
          });
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Jobs sent to the workers and not answered yet. */
  get outstanding(): number {
    let count = 0;
    for (const slot of this.#slots) count += slot.pending.size;
    return count;
  }

  prepare(item: SourceItem, state: DocumentState | undefined): Promise<PrepareOutcome> {
    if (this.#failure) return Promise.reject(this.#failure);
    let slot = this.#slots[0] as Slot;
    for (const other of this.#slots) if (other.pending.size < slot.pending.size) slot = other;
    const job: PrepareJob = { id: this.#nextId++, item, state };
    return new Promise<PrepareOutcome>((resolve, reject) => {
      slot.pending.set(job.id, { resolve, reject, job });
      slot.worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.worker.removeAllListeners('exit');
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
    const error = new CairnError('INTERNAL', 'The prepare pool was closed.');
    for (const slot of slots) for (const pending of slot.pending.values()) pending.reject(error);
  }

  #settle(slot: Slot, reply: Extract<PrepareReply, { type: 'result' }>): void {
    const pending = slot.pending.get(reply.id);
    if (!pending) return;
    slot.pending.delete(reply.id);
    if (!reply.ok) {
      pending.resolve({ ok: false, error: fromWire(reply.error), times: reply.times });
      return;
    }
    const prepared = reply.prepared;
    if (prepared.kind === 'ready' && reply.packed !== undefined) {
      const packed = new Float32Array(reply.packed);
      const dims = this.#dimensions;
      prepared.vectors = prepared.chunks.map((_, i) => packed.subarray(i * dims, (i + 1) * dims));
    }
    pending.resolve({ ok: true, prepared, times: reply.times });
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const slot of this.#slots) {
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
    }
  }
}
