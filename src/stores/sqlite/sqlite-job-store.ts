import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import {
  emptyProgress,
  JOB_ERRORS_KEPT,
  PROGRESS_EVENTS_KEPT,
  type ExportedJob,
  type JobClaim,
  type JobEvent,
  type JobEventData,
  type JobKind,
  type JobListQuery,
  type JobStatus,
  type JobStore,
  type JobUpdate,
  type NewJob,
  type StoredJob,
} from '../job-store.js';
import type { RecordPage } from '../record-transfer.js';

interface JobRow {
  id: string;
  collection: string;
  kind: string;
  sources: string;
  options: string;
  status: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  progress: string;
  errors: string;
  error: string | null;
  next_seq: number;
  lease_owner: string | null;
  lease_expires_ms: number | null;
  cancel_requested: number;
}

interface EventRow {
  id: number;
  job_id: string;
  seq: number;
  type: string;
  data: string;
  created_at: string;
}

/** `sources` holds both lists: what is shown and what is ingested. */
interface SourcesColumn {
  shown: string[];
  inputs: string[];
}

function toJob(row: JobRow): StoredJob {
  const sources = JSON.parse(row.sources) as SourcesColumn;
  return {
    id: row.id,
    collection: row.collection,
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    sources: sources.shown,
    inputs: sources.inputs,
    options: JSON.parse(row.options) as StoredJob['options'],
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    progress: { ...emptyProgress(), ...(JSON.parse(row.progress) as object) },
    errors: JSON.parse(row.errors) as StoredJob['errors'],
    error: row.error,
    lease: row.lease_owner !== null && row.lease_expires_ms !== null ? { owner: row.lease_owner, expiresAt: new Date(row.lease_expires_ms).toISOString() } : null,
    cancelRequested: row.cancel_requested !== 0,
  };
}

function toEvent(row: EventRow): JobEvent {
  return { id: row.id, jobId: row.job_id, seq: row.seq, createdAt: row.created_at, data: JSON.parse(row.data) as JobEventData };
}

/** Cursor of the job list: the rowid (creation order) of the last job of a page. */
function encodeCursor(rowid: number): string {
  return Buffer.from(`j${rowid}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^j(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match) return Number(match[1]);
  throw new CairnError('INPUT_INVALID', 'The cursor is not one this server gave out.', { hint: 'Pass the nextCursor of the previous page unchanged, or leave it out.' });
}

/**
 * JobStore in the `jobs` and `job_events` tables of the embedded database. Claims are immediate
 * transactions (the database's write lock), so they are atomic across the processes sharing the file
 * too; lease times come from this machine's clock, the only one a SQLite file is shared on.
 */
export class SqliteJobStore implements JobStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(job: NewJob): Promise<StoredJob> {
    const id = job.id ?? randomUUID();
    const sources: SourcesColumn = { shown: job.sources, inputs: job.inputs };
    this.#db
      .prepare(
        `INSERT INTO jobs (id, collection, kind, sources, options, status, created_at, progress)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(id, job.collection, job.kind, JSON.stringify(sources), JSON.stringify(job.options), new Date().toISOString(), JSON.stringify(emptyProgress()));
    return (await this.get(id))!;
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const row = this.#db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : undefined;
  }

  async list(query: JobListQuery): Promise<{ items: StoredJob[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.status) {
      where.push('status = ?');
      params.push(query.status);
    }
    if (query.collection) {
      where.push('collection = ?');
      params.push(query.collection);
    }
    if (query.cursor) {
      where.push('rowid < ?');
      params.push(decodeCursor(query.cursor));
    }
    const sql = `SELECT rowid AS row_order, * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY rowid DESC LIMIT ?`;
    const rows = this.#db.prepare(sql).all(...params, query.limit + 1) as Array<JobRow & { row_order: number }>;
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toJob), nextCursor: rows.length > query.limit && last ? encodeCursor(last.row_order) : null };
  }

  async update(id: string, update: JobUpdate): Promise<StoredJob> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (update.status !== undefined) set('status', update.status);
    if (update.startedAt !== undefined) set('started_at', update.startedAt);
    if (update.finishedAt !== undefined) set('finished_at', update.finishedAt);
    if (update.progress !== undefined) set('progress', JSON.stringify(update.progress));
    if (update.errors !== undefined) set('errors', JSON.stringify(update.errors.slice(-JOB_ERRORS_KEPT)));
    if (update.error !== undefined) set('error', update.error);
    if (update.cancelRequested !== undefined) set('cancel_requested', update.cancelRequested ? 1 : 0);
    if (update.status !== undefined && update.status !== 'running') {
      set('lease_owner', null);
      set('lease_expires_ms', null);
    }
    if (sets.length > 0) this.#db.prepare(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    const job = await this.get(id);
    if (!job) throw new CairnError('JOB_NOT_FOUND', `No job ${id}.`, { hint: 'List jobs with GET /v1/jobs.' });
    return job;
  }

  async listQueued(limit: number): Promise<StoredJob[]> {
    return (this.#db.prepare(`SELECT * FROM jobs WHERE status = 'queued' ORDER BY rowid LIMIT ?`).all(limit) as JobRow[]).map(toJob);
  }

  async countQueued(): Promise<number> {
    return this.#db.prepare(`SELECT count(*) FROM jobs WHERE status = 'queued'`).pluck().get() as number;
  }

  async claim(claim: JobClaim): Promise<StoredJob | undefined> {
    const take = this.#db.transaction((now: number): JobRow | undefined => {
      const row = this.#db
        .prepare(
          `SELECT j.* FROM jobs j
           WHERE (j.status = 'queued' OR (j.status = 'running' AND coalesce(j.lease_expires_ms, 0) <= @now))
             AND j.cancel_requested = 0
             AND j.collection NOT IN (SELECT value FROM json_each(@skip))
             AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.status = 'running' AND r.collection = j.collection AND r.lease_expires_ms > @now AND r.id <> j.id)
           ORDER BY j.rowid LIMIT 1`,
        )
        .get({ now, skip: JSON.stringify(claim.skipCollections ?? []) }) as JobRow | undefined;
      if (row === undefined) return undefined;
      return this.#db
        .prepare(`UPDATE jobs SET status = 'running', lease_owner = ?, lease_expires_ms = ? WHERE id = ? RETURNING *`)
        .get(claim.owner, now + claim.leaseMs, row.id) as JobRow;
    });
    const row = take.immediate(Date.now());
    return row === undefined ? undefined : toJob(row);
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#db.prepare(`UPDATE jobs SET lease_expires_ms = ? WHERE id = ? AND status = 'running' AND lease_owner = ?`).run(Date.now() + leaseMs, id, owner).changes > 0;
  }

  async requeueRunning(options: { owners?: readonly string[] } = {}): Promise<string[]> {
    const rows = this.#db
      .prepare(
        `UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_ms = NULL
         WHERE status = 'running' AND (coalesce(lease_expires_ms, 0) <= ? OR lease_owner IN (SELECT value FROM json_each(?)))
         RETURNING id`,
      )
      .all(Date.now(), JSON.stringify(options.owners ?? [])) as { id: string }[];
    return rows.map((row) => row.id);
  }

  async appendEvents(jobId: string, events: JobEventData[]): Promise<JobEvent[]> {
    if (events.length === 0) return [];
    const append = this.#db.transaction((batch: JobEventData[]): JobEvent[] => {
      const job = this.#db.prepare('SELECT next_seq FROM jobs WHERE id = ?').get(jobId) as { next_seq: number } | undefined;
      if (!job) throw new CairnError('JOB_NOT_FOUND', `No job ${jobId}.`, { hint: 'List jobs with GET /v1/jobs.' });
      const createdAt = new Date().toISOString();
      const insert = this.#db.prepare('INSERT INTO job_events (job_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)');
      const stored: JobEvent[] = [];
      let seq = job.next_seq;
      let progressAdded = 0;
      for (const data of batch) {
        const result = insert.run(jobId, seq, data.type, JSON.stringify(data), createdAt);
        stored.push({ id: Number(result.lastInsertRowid), jobId, seq, createdAt, data });
        if (data.type === 'progress') progressAdded += 1;
        seq += 1;
      }
      this.#db.prepare('UPDATE jobs SET next_seq = ? WHERE id = ?').run(seq, jobId);
      if (progressAdded > 0) {
        // Keeps the latest PROGRESS_EVENTS_KEPT progress events; file and status events stay.
        this.#db
          .prepare(
            `DELETE FROM job_events WHERE job_id = ? AND type = 'progress' AND seq <= (
               SELECT seq FROM job_events WHERE job_id = ? AND type = 'progress' ORDER BY seq DESC LIMIT 1 OFFSET ?
             )`,
          )
          .run(jobId, jobId, PROGRESS_EVENTS_KEPT);
      }
      return stored;
    });
    return append.immediate(events);
  }

  async eventsOf(jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
    return (this.#db.prepare('SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(jobId, afterSeq, limit) as EventRow[]).map(toEvent);
  }

  async eventsAfter(afterId: number, limit: number): Promise<JobEvent[]> {
    return (this.#db.prepare('SELECT * FROM job_events WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as EventRow[]).map(toEvent);
  }

  async lastEventId(): Promise<number> {
    return (this.#db.prepare('SELECT max(id) FROM job_events').pluck().get() as number | null) ?? 0;
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedJob>> {
    const after = cursor === null ? 0 : Number(cursor);
    const rows = this.#db.prepare('SELECT rowid AS row_order, * FROM jobs WHERE rowid > ? ORDER BY rowid LIMIT ?').all(after, limit) as Array<JobRow & { row_order: number }>;
    const events = this.#db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY seq');
    const items = rows.map((row): ExportedJob => ({ ...toJob(row), lease: null, events: (events.all(row.id) as EventRow[]).map(toEvent) }));
    const last = rows[rows.length - 1];
    return { items, cursor: rows.length === limit && last ? String(last.row_order) : null };
  }

  async importRecords(records: readonly ExportedJob[]): Promise<number> {
    const insertJob = this.#db.prepare(
      `INSERT OR IGNORE INTO jobs (id, collection, kind, sources, options, status, created_at, started_at, finished_at, progress, errors, error, next_seq, cancel_requested)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertEvent = this.#db.prepare('INSERT INTO job_events (job_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)');
    const run = this.#db.transaction((jobs: readonly ExportedJob[]): number => {
      let added = 0;
      for (const job of jobs) {
        const sources: SourcesColumn = { shown: job.sources, inputs: job.inputs };
        const nextSeq = job.events.reduce((max, event) => Math.max(max, event.seq), 0) + 1;
        const inserted = insertJob.run(
          job.id, job.collection, job.kind, JSON.stringify(sources), JSON.stringify(job.options), job.status, job.createdAt, job.startedAt, job.finishedAt,
          JSON.stringify(job.progress), JSON.stringify(job.errors), job.error, nextSeq, job.cancelRequested ? 1 : 0,
        );
        if (inserted.changes === 0) continue;
        added += 1;
        for (const event of job.events) insertEvent.run(job.id, event.seq, event.data.type, JSON.stringify(event.data), event.createdAt);
      }
      return added;
    });
    return run.immediate(records);
  }

  async countRecords(): Promise<Record<string, number>> {
    const count = (table: string) => this.#db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    return { jobs: count('jobs'), jobEvents: count('job_events') };
  }
}
