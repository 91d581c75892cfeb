import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import { FINISHED_STATUSES, type JobEventData, type JobStatus, type JobStore, type NewJob, type StoredJob } from '../../stores/job-store.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { JobEventBus } from './job-event-bus.js';
import { JobProgressTracker, type ResumedProgress } from './job-progress-tracker.js';

/** Seconds a client is told to wait when the queue is full. */
const QUEUE_FULL_RETRY_AFTER_S = 5;
/** Events read per page when a resumed job collects the files its earlier run reported. */
const RESUME_EVENTS_PAGE = 1000;

export interface JobRunnerOptions {
  /** Jobs run at the same time (`jobs.workers`). */
  workers: number;
  /** How often buffered events are stored and published, in ms; at most one `progress` event each time. */
  flushIntervalMs?: number;
  /** Where job failures are reported (the server's logger). */
  onError?: (message: string, error: unknown) => void;
  /** Most jobs waiting to run before `submit` refuses more (`jobs.maxQueued`); 0 or absent: unbounded. */
  maxQueued?: number;
}

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/** Why a running job was aborted: the user cancelled it, or the server is stopping (it runs again on the next start). */
type StopReason = 'cancel' | 'shutdown';

/**
 * Runs queued jobs through the ingest use case, a bounded number at a time, and records their
 * progress as job events (stored, then published on `events`).
 *
 * Durability: a job is `running` only while this process works on it. `start` puts jobs left
 * `running` by a crash back in the queue; running them again is safe because ingestion is
 * incremental and commits each document on its own, so what was stored is found unchanged.
 * `stop` aborts between documents (the batch being written finishes) and leaves its jobs `queued`.
 * Two jobs of one collection never run at once.
 */
export class JobRunner {
  readonly events = new JobEventBus();
  readonly store: JobStore;
  readonly #app: CairnApp;
  readonly #workers: number;
  readonly #flushIntervalMs: number;
  readonly #onError: (message: string, error: unknown) => void;
  readonly #maxQueued: number;
  readonly #running = new Map<string, RunningJob & { collection: string }>();
  #started = false;
  #stopping = false;
  #pumping: Promise<void> | null = null;
  #pumpAgain = false;

  constructor(app: CairnApp, store: JobStore, options: JobRunnerOptions) {
    this.#app = app;
    this.store = store;
    this.#workers = Math.max(1, options.workers);
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#onError = options.onError ?? (() => {});
    this.#maxQueued = options.maxQueued ?? 0;
  }

  /** Requeues jobs a crash left running and starts the queue. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const requeued = await this.store.requeueRunning();
    for (const id of requeued) await this.#emit(id, [{ type: 'status', jobId: id, status: 'queued', error: null }]);
    this.#pump();
  }

  /**
   * Backpressure: refuses new work while `maxQueued` jobs wait, so a client that submits faster than
   * the workers ingest gets 429 (with Retry-After) instead of an ever-growing backlog. Uploads call it
   * before receiving their files; `submit` checks again.
   */
  async assertCapacity(): Promise<void> {
    if (this.#maxQueued <= 0) return;
    const queued = await this.store.countQueued();
    if (queued >= this.#maxQueued) {
      throw new CairnError('QUEUE_FULL', `${queued} ingestion jobs are waiting to run; the queue holds at most ${this.#maxQueued}.`, {
        hint: 'Retry after the Retry-After seconds, send many files in one upload (one job), or raise jobs.maxQueued or jobs.workers.',
        retryable: true,
        // A full queue of small jobs drains in seconds.
        retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_S,
      });
    }
  }

  /** Stores a new job, queued, and runs it when a worker is free. */
  async submit(job: NewJob): Promise<StoredJob> {
    if (this.#stopping) throw new CairnError('UPSTREAM_FAILED', 'The server is shutting down.', { hint: 'Submit the job again once the server is back.', retryable: true });
    await this.assertCapacity();
    const created = await this.store.create(job);
    await this.#emit(created.id, [{ type: 'status', jobId: created.id, status: 'queued', error: null }]);
    this.#pump();
    return created;
  }

  /** Cancels a queued or running job; a finished job is answered as it is. */
  async cancel(id: string): Promise<StoredJob> {
    const job = await this.get(id);
    if (FINISHED_STATUSES.includes(job.status)) return job;
    const running = this.#running.get(id);
    if (running) {
      running.controller.abort('cancel' satisfies StopReason);
      await running.done;
      return this.get(id);
    }
    const cancelled = await this.#finish(job, 'cancelled', null);
    return cancelled;
  }

  async get(id: string): Promise<StoredJob> {
    const job = await this.store.get(id);
    if (!job) throw new CairnError('JOB_NOT_FOUND', `No job ${id}.`, { hint: 'List jobs with GET /v1/jobs.' });
    return job;
  }

  /** Stops taking jobs, aborts running ones between documents and waits for them; they stay queued. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const running of this.#running.values()) running.controller.abort('shutdown' satisfies StopReason);
    await Promise.all([...this.#running.values()].map((running) => running.done));
    await this.#pumping;
  }

  /** Jobs running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  #pump(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#pumping !== null) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = this.#fill()
      .catch((error: unknown) => this.#onError('The job queue could not be read.', error))
      .finally(() => {
        this.#pumping = null;
        if (this.#pumpAgain) {
          this.#pumpAgain = false;
          this.#pump();
        }
      });
  }

  async #fill(): Promise<void> {
    while (!this.#stopping && this.#running.size < this.#workers) {
      const busy = new Set([...this.#running.values()].map((running) => running.collection));
      const queued = await this.store.listQueued(this.#workers + this.#running.size + 16);
      const next = queued.find((job) => !this.#running.has(job.id) && !busy.has(job.collection));
      if (!next || this.#stopping) return;
      const controller = new AbortController();
      const entry = { controller, collection: next.collection, done: Promise.resolve() };
      this.#running.set(next.id, entry);
      entry.done = this.#run(next, controller)
        .catch((error: unknown) => this.#onError(`Job ${next.id} could not be run.`, error))
        .finally(() => {
          this.#running.delete(next.id);
          this.#pump();
        });
    }
  }

  async #run(queued: StoredJob, controller: AbortController): Promise<void> {
    const current = await this.store.get(queued.id);
    // Cancelled while it was being picked from the queue.
    if (current?.status !== 'queued') return;
    // A job that ran before (a crash or a shutdown stopped it) continues its counters.
    const resumed = current.startedAt === null ? undefined : await this.#resumedProgress(current);
    const tracker = new JobProgressTracker(queued.id, undefined, resumed);
    let job = await this.store.update(queued.id, {
      status: 'running',
      startedAt: current.startedAt ?? new Date().toISOString(),
      error: null,
      errors: tracker.errors,
    });
    await this.#emit(job.id, [{ type: 'status', jobId: job.id, status: 'running', error: null }]);
    let flushing = Promise.resolve();
    const flush = (final = false) => {
      flushing = flushing.then(() => this.#flushProgress(job.id, tracker, final)).catch((error: unknown) => this.#onError(`Progress of job ${job.id} could not be stored.`, error));
      return flushing;
    };
    const timer = setInterval(() => void flush(), this.#flushIntervalMs);
    let status: JobStatus;
    let error: string | null = null;
    try {
      await ingest(this.#app, {
        collection: job.collection,
        sources: this.#uploadDir(job) ? [this.#uploadDir(job)!] : job.inputs,
        tags: job.options.tags ?? [],
        prune: job.options.prune ?? false,
        force: job.options.force ?? false,
        signal: controller.signal,
        onEvent: (event) => tracker.onIngestEvent(event),
        countFiles: true,
        ...(job.options.rootUri === undefined ? {} : { rootUri: job.options.rootUri }),
        ...(job.options.onlyUris === undefined ? {} : { onlyUris: job.options.onlyUris }),
        ...(job.options.crawl === undefined ? {} : { crawl: job.options.crawl, allowPrivateNetworks: this.#app.config.sources.allowPrivateNetworks }),
      });
      if (job.kind === 'upload') tracker.reportUnseen(job.sources);
      tracker.markComplete();
      const progress = tracker.progress;
      const counted = progress.filesDone + progress.filesFailed + progress.filesSkipped;
      if (progress.filesDone === 0 && progress.filesFailed > 0) {
        status = 'failed';
        error = `None of the ${counted} files could be ingested; see the job's errors.`;
      } else {
        status = 'succeeded';
      }
    } catch (caught) {
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
      if (reason === 'shutdown') status = 'queued';
      else if (reason === 'cancel') status = 'cancelled';
      else {
        status = 'failed';
        const failure = toCairnError(caught);
        error = failure.hint ? `${failure.message} ${failure.hint}` : failure.message;
        if (failure.code === 'INTERNAL' || failure.code === 'STORE_FAILED') this.#onError(`Job ${job.id} failed.`, caught);
      }
    } finally {
      clearInterval(timer);
    }
    await flush(status !== 'queued');
    job = await this.store.get(job.id) ?? job;
    if (status === 'queued') {
      await this.store.update(job.id, { status: 'queued' });
      await this.#emit(job.id, [{ type: 'status', jobId: job.id, status: 'queued', error: null }]);
      return;
    }
    await this.#finish(job, status, error);
  }

  /** What a job's earlier run reported: its `file` events and its planned total. */
  async #resumedProgress(job: StoredJob): Promise<ResumedProgress> {
    const files: ResumedProgress['files'] = [];
    for (let after = 0; ; ) {
      const page = await this.store.eventsOf(job.id, after, RESUME_EVENTS_PAGE);
      for (const event of page) if (event.data.type === 'file') files.push(event.data);
      if (page.length < RESUME_EVENTS_PAGE) break;
      after = page.at(-1)!.seq;
    }
    return { filesTotal: job.progress.filesTotal, files };
  }

  async #flushProgress(jobId: string, tracker: JobProgressTracker, final: boolean): Promise<void> {
    const { events, changed } = tracker.drain(final);
    if (changed) await this.store.update(jobId, { progress: tracker.progress, errors: tracker.errors });
    await this.#emit(jobId, events);
  }

  /** Records a terminal status (and its event) and removes the job's uploaded files. */
  async #finish(job: StoredJob, status: JobStatus, error: string | null): Promise<StoredJob> {
    const uploadDir = this.#uploadDir(job);
    if (uploadDir) {
      await rm(uploadDir, { recursive: true, force: true }).catch((failure: unknown) => this.#onError(`Uploads of job ${job.id} could not be removed.`, failure));
    }
    // The event is stored before the row says finished, so whoever sees a finished job finds its
    // final event in the store (the SSE routes rely on it to end a stream).
    const stored = await this.store.appendEvents(job.id, [{ type: 'status', jobId: job.id, status, error }]);
    const finished = await this.store.update(job.id, { status, error, finishedAt: new Date().toISOString() });
    this.#app.telemetry?.count('jobs.finished', 1, { status });
    this.events.publish(stored);
    return finished;
  }

  /**
   * Where an upload job's files are: `<jobs.uploadsDir>/<job id>`, where the receiver put them, rather
   * than the path stored with the job, so a home restored from a backup or moved elsewhere finds them.
   */
  #uploadDir(job: StoredJob): string | undefined {
    if (!job.options.uploadDir) return undefined;
    const uploadsDir = this.#app.config.jobs.uploadsDir;
    return uploadsDir ? join(uploadsDir, job.id) : job.options.uploadDir;
  }

  async #emit(jobId: string, events: JobEventData[]): Promise<void> {
    if (events.length === 0) return;
    this.events.publish(await this.store.appendEvents(jobId, events));
  }
}
