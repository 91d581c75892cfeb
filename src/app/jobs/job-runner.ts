import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import { FINISHED_STATUSES, type JobEventData, type JobStatus, type JobStore, type NewJob, type StoredJob } from '../../stores/job-store.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { JobEventFeed } from './job-event-feed.js';
import { isDeadLocalOwner, jobOwnerId } from './job-owner.js';
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
  /** False: this process stores, cancels and follows jobs but runs none (`cairn serve --no-jobs`); other processes run them. */
  runJobs?: boolean;
  /** How long a claimed job stays this process's without a heartbeat (`jobs.leaseSeconds`), in ms; default 30 s. */
  leaseMs?: number;
  /** How often the lease is renewed and the job's cancel flag read, in ms; default a third of the lease, at most 2 s. */
  heartbeatMs?: number;
  /** How often a free worker looks for jobs queued or abandoned by other processes, and events stored by them are read (`jobs.pollMs`); default 1 s. */
  pollIntervalMs?: number;
  /** The id this process holds leases under; default host:pid:random (see job-owner.ts). */
  owner?: string;
  /** Told of each job this process claimed, as it starts running it (the worker logs it). */
  onRun?: (job: StoredJob) => void;
}

/** An upload job's files in a folder ingestion reads; `release` removes a scratch copy. */
interface StagedUpload {
  dir: string;
  release: () => Promise<void>;
}

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Why a running job was aborted: the user cancelled it, the server is stopping (it runs again on the
 * next start, here or elsewhere), or its lease was lost (another process took it over after this one
 * stalled past the lease, or someone else finished it): then this process records nothing more.
 */
type StopReason = 'cancel' | 'shutdown' | 'lost';

const DEFAULT_LEASE_MS = 30_000;
const MAX_HEARTBEAT_MS = 2_000;
const DEFAULT_POLL_INTERVAL_MS = 1_000;

/**
 * Runs queued jobs through the ingest use case, a bounded number at a time, and records their
 * progress as job events (stored, then published on `events`).
 *
 * Durability and scale-out: any number of processes may run jobs from one store. A process takes a
 * job with `JobStore.claim`, which gives it a lease it renews every `heartbeatMs` while the job runs; a
 * process that dies (kill -9, machine off) stops renewing, and once the lease ran out any process
 * claims the job again and runs it over. Running a job again is safe because ingestion is incremental
 * and commits each document on its own, so what was stored is found unchanged (no duplicates). `start`
 * requeues only jobs whose lease expired or whose holder was a process of this machine that is gone,
 * never a live process's. `stop` aborts between documents (the
 * batch being written finishes) and leaves its jobs `queued`. Two jobs of one collection never run at
 * once, across processes too (the claim skips collections with a live lease).
 *
 * Cancellation from any process: `cancel` sets the job's stored cancel flag; the holder reads it with
 * its heartbeat and stops between documents; a queued job (which `claim` no longer takes) or one whose
 * holder died is finished by the process that was asked. Events are stored, then delivered by `events`
 * (a JobEventFeed) to this process's SSE clients, with those other processes stored.
 */
export class JobRunner {
  readonly events: JobEventFeed;
  readonly store: JobStore;
  /** The id this process holds leases under. */
  readonly owner: string;
  readonly #app: CairnApp;
  readonly #workers: number;
  readonly #flushIntervalMs: number;
  readonly #onError: (message: string, error: unknown) => void;
  readonly #maxQueued: number;
  readonly #runJobs: boolean;
  readonly #leaseMs: number;
  readonly #heartbeatMs: number;
  readonly #pollIntervalMs: number;
  readonly #onRun: (job: StoredJob) => void;
  #pollTimer: NodeJS.Timeout | undefined;
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
    this.#runJobs = options.runJobs ?? true;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#heartbeatMs = options.heartbeatMs ?? Math.min(MAX_HEARTBEAT_MS, Math.max(10, Math.floor(this.#leaseMs / 3)));
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.owner = options.owner ?? jobOwnerId();
    this.#onRun = options.onRun ?? (() => {});
    this.events = new JobEventFeed(store, { pollIntervalMs: this.#pollIntervalMs, onError: this.#onError });
  }

  /** Whether this process runs jobs (false for `cairn serve --no-jobs`). */
  get runsJobs(): boolean {
    return this.#runJobs;
  }

  /**
   * Starts following job events; when this process runs jobs, requeues those whose holder died (their
   * lease expired) and starts taking jobs, looking for work every `pollIntervalMs`.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.events.start();
    if (!this.#runJobs) return;
    // Jobs of a process of this machine that is gone (this server, killed and restarted) go back at once.
    const running = (await this.store.list({ status: 'running', limit: 1000 })).items;
    const dead = [...new Set(running.flatMap((job) => (job.lease && isDeadLocalOwner(job.lease.owner, this.owner) ? [job.lease.owner] : [])))];
    const requeued = await this.store.requeueRunning({ owners: dead });
    for (const id of requeued) await this.#emit(id, [{ type: 'status', jobId: id, status: 'queued', error: null }]);
    this.#pollTimer = setInterval(() => this.#pump(), this.#pollIntervalMs);
    this.#pollTimer.unref();
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

  /**
   * Cancels a queued or running job, wherever it runs; a finished job is answered as it is. A job run
   * by another live process is answered once that process recorded `cancelled` (at its next heartbeat,
   * between documents), or as it is after a lease's length if it did not.
   */
  async cancel(id: string): Promise<StoredJob> {
    const job = await this.get(id);
    if (FINISHED_STATUSES.includes(job.status)) return job;
    await this.store.update(id, { cancelRequested: true });
    const running = this.#running.get(id);
    if (running) {
      running.controller.abort('cancel' satisfies StopReason);
      await running.done;
      return this.get(id);
    }
    const deadline = Date.now() + this.#leaseMs + 2 * this.#heartbeatMs;
    for (;;) {
      const now = await this.get(id);
      if (FINISHED_STATUSES.includes(now.status)) return now;
      // `claim` takes no job with the flag: a queued one, or one whose holder died, is ours to finish.
      const held = now.status === 'running' && now.lease !== null && Date.parse(now.lease.expiresAt) > Date.now();
      if (!held) return this.#finish(now, 'cancelled', null);
      if (Date.now() > deadline) return now;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.#heartbeatMs, 250)));
    }
  }

  async get(id: string): Promise<StoredJob> {
    const job = await this.store.get(id);
    if (!job) throw new CairnError('JOB_NOT_FOUND', `No job ${id}.`, { hint: 'List jobs with GET /v1/jobs.' });
    return job;
  }

  /** Stops taking jobs, aborts running ones between documents and waits for them; they stay queued. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#pollTimer);
    for (const running of this.#running.values()) running.controller.abort('shutdown' satisfies StopReason);
    await Promise.all([...this.#running.values()].map((running) => running.done));
    await this.#pumping;
    await this.events.stop();
  }

  /** Jobs running now. */
  get runningCount(): number {
    return this.#running.size;
  }

  #pump(): void {
    if (!this.#started || this.#stopping || !this.#runJobs) return;
    if (this.#running.size >= this.#workers) return;
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
      const busy = [...new Set([...this.#running.values()].map((running) => running.collection))];
      const next = await this.store.claim({ owner: this.owner, leaseMs: this.#leaseMs, skipCollections: busy });
      if (!next) return;
      if (this.#stopping) {
        await this.store.update(next.id, { status: 'queued' });
        return;
      }
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

  /** Runs a job this process claimed (it is `running` under this process's lease). */
  async #run(claimed: StoredJob, controller: AbortController): Promise<void> {
    // A job that ran before (a crash, a shutdown or a lost lease stopped it) continues its counters.
    const resumed = claimed.startedAt === null ? undefined : await this.#resumedProgress(claimed);
    const tracker = new JobProgressTracker(claimed.id, undefined, resumed);
    let job = await this.store.update(claimed.id, { startedAt: claimed.startedAt ?? new Date().toISOString(), error: null, errors: tracker.errors });
    this.#onRun(job);
    await this.#emit(job.id, [{ type: 'status', jobId: job.id, status: 'running', error: null }]);
    const heartbeat = this.#heartbeat(job.id, controller);
    let flushing = Promise.resolve();
    const flush = (final = false) => {
      flushing = flushing.then(() => this.#flushProgress(job.id, tracker, final)).catch((error: unknown) => this.#onError(`Progress of job ${job.id} could not be stored.`, error));
      return flushing;
    };
    const timer = setInterval(() => void flush(), this.#flushIntervalMs);
    let status: JobStatus;
    let error: string | null = null;
    let staged: StagedUpload | undefined;
    try {
      staged = await this.#stageUpload(job);
      await ingest(this.#app, {
        collection: job.collection,
        sources: staged ? [staged.dir] : job.inputs,
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
      if (reason === 'shutdown' || reason === 'lost') status = 'queued';
      else if (reason === 'cancel') status = 'cancelled';
      else {
        status = 'failed';
        const failure = toCairnError(caught);
        error = failure.hint ? `${failure.message} ${failure.hint}` : failure.message;
        if (failure.code === 'INTERNAL' || failure.code === 'STORE_FAILED') this.#onError(`Job ${job.id} failed.`, caught);
      }
    } finally {
      clearInterval(timer);
      heartbeat.stop();
      await staged?.release().catch((failure: unknown) => this.#onError(`The staged uploads of job ${job.id} could not be removed.`, failure));
    }
    // Whoever holds the job now records its end; a process that lost its lease records nothing more.
    if (controller.signal.reason === 'lost' || !(await this.store.renewLease(job.id, this.owner, this.#leaseMs))) {
      await flushing;
      return;
    }
    await flush(status !== 'queued');
    job = await this.store.get(job.id) ?? job;
    // A job asked to cancel is never put back (no claim would take it again).
    if (status === 'queued' && job.cancelRequested) status = 'cancelled';
    if (status === 'queued') {
      await this.store.update(job.id, { status: 'queued' });
      await this.#emit(job.id, [{ type: 'status', jobId: job.id, status: 'queued', error: null }]);
      return;
    }
    await this.#finish(job, status, error);
  }

  /**
   * Renews the lease every `heartbeatMs` and reads the job's cancel flag: a lost lease aborts the run
   * as 'lost', a cancel asked by any process as 'cancel'. A store that cannot be reached is retried on
   * the next beat; if that lasts past the lease, the renewal answers false and the job is given up.
   */
  #heartbeat(jobId: string, controller: AbortController): { stop: () => void } {
    let beating = false;
    const beat = async () => {
      if (beating || controller.signal.aborted) return;
      beating = true;
      try {
        if (!(await this.store.renewLease(jobId, this.owner, this.#leaseMs))) controller.abort('lost' satisfies StopReason);
        else if ((await this.store.get(jobId))?.cancelRequested) controller.abort('cancel' satisfies StopReason);
      } catch (error) {
        this.#onError(`The lease of job ${jobId} could not be renewed.`, error);
      } finally {
        beating = false;
      }
    };
    const timer = setInterval(() => void beat(), this.#heartbeatMs);
    return { stop: () => clearInterval(timer) };
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
    if (job.kind === 'upload') {
      const store = this.#app.uploads;
      const dir = this.#uploadDir(job);
      const removing = store ? store.delete(job.id) : dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve();
      await removing.catch((failure: unknown) => this.#onError(`Uploads of job ${job.id} could not be removed.`, failure));
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
   * The folder an upload job's files are read from: a local store's own folder, in place; for a store
   * other processes share (PostgreSQL, S3), a scratch copy under `<home>/upload-staging/`, made at each
   * run (a job taken over re-reads its files from the store) and removed after it. Undefined for jobs
   * of other kinds.
   */
  async #stageUpload(job: StoredJob): Promise<StagedUpload | undefined> {
    if (job.kind !== 'upload') return undefined;
    const store = this.#app.uploads;
    const localDir = store ? store.localDir?.(job.id) : this.#uploadDir(job);
    if (localDir !== undefined || store === undefined) return { dir: localDir ?? job.inputs[0] ?? '', release: async () => {} };
    const root = join(this.#app.config.home, 'upload-staging');
    await mkdir(root, { recursive: true });
    const dir = await mkdtemp(join(root, `${job.id}-`));
    const release = () => rm(dir, { recursive: true, force: true });
    try {
      for (const name of await store.files(job.id)) {
        const path = join(dir, ...name.split('/'));
        await mkdir(dirname(path), { recursive: true });
        await pipeline(await store.get(job.id, name), createWriteStream(path));
      }
    } catch (failure) {
      await release();
      throw failure;
    }
    return { dir, release };
  }

  /**
   * Where a job of a version before upload stores kept its files: `<jobs.uploadsDir>/<job id>`, rather
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
