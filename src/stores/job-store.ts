import type { RecordTransfer } from './record-transfer.js';

/** What a job ingests: uploaded files, a server-side path, a git URL, a web site to crawl, or one stored document again. */
export type JobKind = 'upload' | 'path' | 'git' | 'crawl' | 'reingest';
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface JobProgress {
  /** Null until the sources were counted. */
  filesTotal: number | null;
  filesDone: number;
  filesFailed: number;
  filesSkipped: number;
  /** Null until the run ends (chunks are known only once each file is parsed). */
  chunksTotal: number | null;
  chunksDone: number;
  chunksPerSecond: number;
  embeddingsPerSecond: number;
  /** Where this run embeds (`cpu`, `cuda`, `remote`, `none`), once the ingest started. */
  device?: string;
  /** The embedder's id, once the ingest started. */
  embedder?: string;
  /** Wall time of the run so far, in milliseconds; with `final` progress, of the whole run. */
  elapsedMs?: number;
}

export interface JobFileError {
  file: string;
  code: string;
  reason: string;
}

/** How the sources of a job are ingested; kept with the job so a resumed job runs the same way. */
export interface JobOptions {
  tags?: string[];
  prune?: boolean;
  force?: boolean;
  /** Upload jobs: the folder holding the files, and the URI prefix their documents get. */
  uploadDir?: string;
  rootUri?: string;
  /** Reingest jobs: the only document URIs taken from the source. */
  onlyUris?: string[];
  /** Crawl jobs (and re-ingesting a crawled page, which lists its `urls`): the crawl's options as the caller gave them. */
  crawl?: { maxPages?: number; maxDepth?: number; scope?: string; include?: string[]; exclude?: string[]; sitemap?: boolean; urls?: string[] };
}

/** A job as the API shows it. Times are ISO 8601. */
export interface Job {
  id: string;
  collection: string;
  kind: JobKind;
  status: JobStatus;
  /** What the caller named (file names of an upload, the path, the URL, the document URI). */
  sources: string[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: JobProgress;
  /** The latest 100 file errors. */
  errors: JobFileError[];
  error: string | null;
}

/** Who runs a job and until when: the holder renews it (a heartbeat) while it works. */
export interface JobLease {
  /** An opaque id of the process holding the job (host and pid, say), chosen by the claimer. */
  owner: string;
  /** ISO 8601; once past, another process may take the job over. */
  expiresAt: string;
}

/** A job with what the runner needs and the API does not show. */
export interface StoredJob extends Job {
  /** What is passed to ingest (folders, paths, URLs), unlike `sources` which is for display. */
  inputs: string[];
  options: JobOptions;
  /** The lease of a running job; null when no process holds one (queued, finished, or running from before leases existed). */
  lease: JobLease | null;
  /**
   * Someone asked to cancel the job (from any process): its holder stops at its next heartbeat and
   * records `cancelled`; `claim` never takes such a job, so whoever asked finishes a queued one.
   */
  cancelRequested: boolean;
}

/** What `claim` takes. */
export interface JobClaim {
  /** The claiming process: an opaque id it keeps for its lifetime. */
  owner: string;
  /** Lease length in ms; the owner renews it well before it ends. */
  leaseMs: number;
  /** Collections the claimer is writing already: a job of one of them is not claimed. */
  skipCollections?: readonly string[];
}

/** A job with its stored events, as `cairn db copy` moves it (see RecordTransfer). The lease is not kept. */
export interface ExportedJob extends StoredJob {
  /** In `seq` order; their global `id`s are given anew by the importing store. */
  events: JobEvent[];
}

export type FileOutcomeName = 'ingested' | 'unchanged' | 'skipped' | 'failed';

export type JobEventData =
  | { type: 'snapshot'; job: Job }
  | { type: 'progress'; jobId: string; progress: JobProgress }
  | { type: 'file'; jobId: string; file: string; outcome: FileOutcomeName; chunks?: number; code?: string; reason?: string }
  | { type: 'status'; jobId: string; status: JobStatus; error: string | null };

/** A stored event: `seq` numbers one job's events from 1; `id` orders the events of all jobs. */
export interface JobEvent {
  id: number;
  jobId: string;
  seq: number;
  createdAt: string;
  data: JobEventData;
}

export interface NewJob {
  collection: string;
  kind: JobKind;
  sources: string[];
  inputs: string[];
  options: JobOptions;
  /** Chosen by the caller when files must be placed before the job exists (uploads). */
  id?: string;
}

export interface JobListQuery {
  status?: JobStatus;
  collection?: string;
  limit: number;
  /** From `nextCursor` of the previous page. */
  cursor?: string;
}

export interface JobUpdate {
  status?: JobStatus;
  startedAt?: string | null;
  finishedAt?: string | null;
  progress?: JobProgress;
  errors?: JobFileError[];
  error?: string | null;
  cancelRequested?: boolean;
}

/**
 * Durable jobs and their events. Events are kept for replay to SSE clients: every `file` and
 * `status` event, and the latest `PROGRESS_EVENTS_KEPT` progress events of each job.
 *
 * Leases: a process runs a job only while it holds its lease (`claim`, then `renewLease` as a
 * heartbeat). A job whose lease ran out (its process died, or stalled past the lease) is claimable
 * again, by anyone; a live lease is never taken. A job leaves its lease when its status becomes
 * anything but `running` (`update`). Times of leases come from one clock per store (the database
 * server's for PostgreSQL), so processes on several machines agree on expiry.
 */
export interface JobStore extends RecordTransfer<ExportedJob> {
  create(job: NewJob): Promise<StoredJob>;
  get(id: string): Promise<StoredJob | undefined>;
  /** Newest first. */
  list(query: JobListQuery): Promise<{ items: StoredJob[]; nextCursor: string | null }>;
  update(id: string, update: JobUpdate): Promise<StoredJob>;
  /** Queued jobs, oldest first. */
  listQueued(limit: number): Promise<StoredJob[]>;
  /** How many jobs wait to run. */
  countQueued(): Promise<number>;
  /**
   * Claims the oldest job that is `queued`, or `running` without a live lease, whose collection no
   * live lease is writing and is not in `skipCollections`, and that nobody asked to cancel: it becomes
   * `running` under `owner` until now + `leaseMs`. Atomic across connections and processes: two
   * claimers never get the same job, and never two jobs of one collection at once. Undefined when none
   * is claimable.
   */
  claim(claim: JobClaim): Promise<StoredJob | undefined>;
  /** The heartbeat: extends the lease `owner` holds on a running job; false when it holds it no longer (finished, requeued, taken over). */
  renewLease(id: string, owner: string, leaseMs: number): Promise<boolean>;
  /**
   * Moves `running` jobs back to `queued` when their lease has expired (or they never had one), or
   * their lease's owner is in `owners` (processes known to be dead); answers their ids. A live lease
   * of any other owner is left alone, so a process starting beside a working one never takes its jobs.
   */
  requeueRunning(options?: { owners?: readonly string[] }): Promise<string[]>;
  /** Appends events to one job, numbering them; answers them as stored. */
  appendEvents(jobId: string, events: JobEventData[]): Promise<JobEvent[]>;
  /** Events of one job with `seq` greater than `afterSeq`, in order. */
  eventsOf(jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]>;
  /** Events of all jobs with `id` greater than `afterId`, in order. */
  eventsAfter(afterId: number, limit: number): Promise<JobEvent[]>;
  /** The `id` of the newest stored event (0 when none): where a process starts following events stored by others. */
  lastEventId(): Promise<number>;
}

export const PROGRESS_EVENTS_KEPT = 1000;
export const JOB_ERRORS_KEPT = 100;

export function emptyProgress(): JobProgress {
  return { filesTotal: null, filesDone: 0, filesFailed: 0, filesSkipped: 0, chunksTotal: null, chunksDone: 0, chunksPerSecond: 0, embeddingsPerSecond: 0 };
}

/** The public view of a stored job. */
export function publicJob(job: StoredJob): Job {
  const { inputs: _inputs, options: _options, lease: _lease, cancelRequested: _cancelRequested, ...rest } = job;
  return rest;
}
