import { randomUUID } from 'node:crypto';
import type pg from 'pg';
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
import { isoOrNull, withAppTransaction } from './app-transaction.js';

interface JobRow {
  seq: string;
  id: string;
  collection: string;
  kind: string;
  sources: string[];
  inputs: string[];
  options: StoredJob['options'];
  status: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  progress: object;
  errors: StoredJob['errors'];
  error: string | null;
  next_seq: number;
  leased_by: string | null;
  lease_until: Date | null;
  cancel_requested: boolean;
}

interface EventRow {
  id: string;
  job_id: string;
  seq: number;
  data: JobEventData;
  created_at: Date;
}

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    collection: row.collection,
    kind: row.kind as JobKind,
    status: row.status as JobStatus,
    sources: row.sources,
    inputs: row.inputs,
    options: row.options,
    createdAt: row.created_at.toISOString(),
    startedAt: isoOrNull(row.started_at),
    finishedAt: isoOrNull(row.finished_at),
    progress: { ...emptyProgress(), ...row.progress },
    errors: row.errors,
    error: row.error,
    lease: row.leased_by !== null && row.lease_until !== null ? { owner: row.leased_by, expiresAt: row.lease_until.toISOString() } : null,
    cancelRequested: row.cancel_requested,
  };
}

function toEvent(row: EventRow): JobEvent {
  return { id: Number(row.id), jobId: row.job_id, seq: row.seq, createdAt: row.created_at.toISOString(), data: row.data };
}

/** Cursor of the job list: the creation order (`seq`) of the last job of a page, as the SQLite store encodes its rowid. */
function encodeCursor(seq: string): string {
  return Buffer.from(`j${seq}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^j(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match) return match[1] as string;
  throw new CairnError('INPUT_INVALID', 'The cursor is not one this server gave out.', { hint: 'Pass the nextCursor of the previous page unchanged, or leave it out.' });
}

/**
 * Key of the transaction-level advisory lock that serialises claims. Row locks alone (FOR UPDATE SKIP
 * LOCKED) keep two claimers off one job, but two claimers could each lock a different job of the same
 * collection and both see no live lease on it; serialising the (short) claim statement closes that.
 */
const CLAIM_LOCK_KEY = 0x636169726e6a; // "cairnj"

/**
 * Key of the transaction-level advisory lock that serialises event appends, so event ids (from a
 * sequence) become visible in id order: a JobEventFeed reading `id > cursor` in another process would
 * otherwise skip an event whose transaction took a smaller id but committed after a larger one.
 */
const EVENTS_LOCK_KEY = 0x636169726e65; // "cairne"

/** A job is claimable when queued, or running without a live lease, and not asked to cancel; clock_timestamp() is the server's clock. */
const CLAIM_SQL = `
  WITH candidate AS (
    SELECT j.id FROM jobs j
    WHERE (j.status = 'queued' OR (j.status = 'running' AND (j.lease_until IS NULL OR j.lease_until <= clock_timestamp())))
      AND NOT j.cancel_requested
      AND NOT (j.collection = ANY($3::text[]))
      AND NOT EXISTS (
        SELECT 1 FROM jobs r
        WHERE r.status = 'running' AND r.collection = j.collection AND r.lease_until > clock_timestamp() AND r.id <> j.id)
    ORDER BY j.seq
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
  UPDATE jobs SET status = 'running', leased_by = $1, lease_until = clock_timestamp() + $2 * interval '1 millisecond'
  FROM candidate WHERE jobs.id = candidate.id
  RETURNING jobs.*`;

/**
 * JobStore in the `jobs` and `job_events` tables (migrations 51 and 56). Claims are atomic across connections
 * and processes (a row lock taken FOR UPDATE SKIP LOCKED, under an advisory lock held for the claim's
 * transaction only); lease times come from the database server's clock, so processes on several
 * machines agree on expiry.
 */
export class PostgresJobStore implements JobStore {
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  async create(job: NewJob): Promise<StoredJob> {
    const { rows } = await this.#pool.query<JobRow>(
      `INSERT INTO jobs (id, collection, kind, sources, inputs, options, status, created_at, progress)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8) RETURNING *`,
      [
        job.id ?? randomUUID(), job.collection, job.kind, JSON.stringify(job.sources), JSON.stringify(job.inputs), JSON.stringify(job.options),
        new Date().toISOString(), JSON.stringify(emptyProgress()),
      ],
    );
    return toJob(rows[0] as JobRow);
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const { rows } = await this.#pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async list(query: JobListQuery): Promise<{ items: StoredJob[]; nextCursor: string | null }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (query.status) add('status = ?', query.status);
    if (query.collection) add('collection = ?', query.collection);
    if (query.cursor) add('seq < ?', decodeCursor(query.cursor));
    params.push(query.limit + 1);
    const { rows } = await this.#pool.query<JobRow>(
      `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return { items: page.map(toJob), nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null };
  }

  async update(id: string, update: JobUpdate): Promise<StoredJob> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (update.status !== undefined) set('status', update.status);
    if (update.startedAt !== undefined) set('started_at', update.startedAt);
    if (update.finishedAt !== undefined) set('finished_at', update.finishedAt);
    if (update.progress !== undefined) set('progress', JSON.stringify(update.progress));
    if (update.errors !== undefined) set('errors', JSON.stringify(update.errors.slice(-JOB_ERRORS_KEPT)));
    if (update.error !== undefined) set('error', update.error);
    if (update.cancelRequested !== undefined) set('cancel_requested', update.cancelRequested);
    if (update.status !== undefined && update.status !== 'running') sets.push('leased_by = NULL', 'lease_until = NULL');
    const { rows } =
      sets.length > 0
        ? await this.#pool.query<JobRow>(`UPDATE jobs SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params)
        : await this.#pool.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    if (!rows[0]) throw new CairnError('JOB_NOT_FOUND', `No job ${id}.`, { hint: 'List jobs with GET /v1/jobs.' });
    return toJob(rows[0]);
  }

  async listQueued(limit: number): Promise<StoredJob[]> {
    return (await this.#pool.query<JobRow>(`SELECT * FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT $1`, [limit])).rows.map(toJob);
  }

  async countQueued(): Promise<number> {
    return (await this.#pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status = 'queued'`)).rows[0]?.n ?? 0;
  }

  async claim(claim: JobClaim): Promise<StoredJob | undefined> {
    const row = await withAppTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK_KEY]);
      return (await client.query<JobRow>(CLAIM_SQL, [claim.owner, claim.leaseMs, [...(claim.skipCollections ?? [])]])).rows[0];
    });
    return row === undefined ? undefined : toJob(row);
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE jobs SET lease_until = clock_timestamp() + $3 * interval '1 millisecond' WHERE id = $1 AND status = 'running' AND leased_by = $2`,
      [id, owner, leaseMs],
    );
    return (rowCount ?? 0) > 0;
  }

  async requeueRunning(options: { owners?: readonly string[] } = {}): Promise<string[]> {
    const { rows } = await this.#pool.query<{ id: string }>(
      `UPDATE jobs SET status = 'queued', leased_by = NULL, lease_until = NULL
       WHERE status = 'running' AND (lease_until IS NULL OR lease_until <= clock_timestamp() OR leased_by = ANY($1::text[]))
       RETURNING id`,
      [[...(options.owners ?? [])]],
    );
    return rows.map((row) => row.id);
  }

  async appendEvents(jobId: string, events: JobEventData[]): Promise<JobEvent[]> {
    if (events.length === 0) return [];
    return withAppTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK_KEY]);
      // The row lock serialises appends to one job, so `seq` numbers never collide.
      const job = (await client.query<{ next_seq: number }>('SELECT next_seq FROM jobs WHERE id = $1 FOR UPDATE', [jobId])).rows[0];
      if (!job) throw new CairnError('JOB_NOT_FOUND', `No job ${jobId}.`, { hint: 'List jobs with GET /v1/jobs.' });
      const createdAt = new Date().toISOString();
      const { rows } = await client.query<EventRow>(
        `INSERT INTO job_events (job_id, seq, type, data, created_at)
         SELECT $1, $2 + e.n - 1, e.data->>'type', e.data, $3
         FROM jsonb_array_elements($4::jsonb) WITH ORDINALITY AS e(data, n)
         ORDER BY e.n
         RETURNING *`,
        [jobId, job.next_seq, createdAt, JSON.stringify(events)],
      );
      await client.query('UPDATE jobs SET next_seq = $2 WHERE id = $1', [jobId, job.next_seq + events.length]);
      if (events.some((event) => event.type === 'progress')) {
        // Keeps the latest PROGRESS_EVENTS_KEPT progress events; file and status events stay.
        await client.query(
          `DELETE FROM job_events WHERE job_id = $1 AND type = 'progress' AND seq <= (
             SELECT seq FROM job_events WHERE job_id = $1 AND type = 'progress' ORDER BY seq DESC LIMIT 1 OFFSET $2)`,
          [jobId, PROGRESS_EVENTS_KEPT],
        );
      }
      // RETURNING gives no order guarantee: the events are answered in seq order, with the data as given.
      return rows
        .sort((a, b) => a.seq - b.seq)
        .map((row, index) => ({ ...toEvent(row), data: events[index] as JobEventData }));
    });
  }

  async eventsOf(jobId: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
    const { rows } = await this.#pool.query<EventRow>('SELECT * FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [jobId, afterSeq, limit]);
    return rows.map(toEvent);
  }

  async eventsAfter(afterId: number, limit: number): Promise<JobEvent[]> {
    const { rows } = await this.#pool.query<EventRow>('SELECT * FROM job_events WHERE id > $1 ORDER BY id LIMIT $2', [afterId, limit]);
    return rows.map(toEvent);
  }

  async lastEventId(): Promise<number> {
    const { rows } = await this.#pool.query<{ id: string | null }>('SELECT max(id) AS id FROM job_events');
    return Number(rows[0]?.id ?? 0);
  }

  async exportRecords(cursor: string | null, limit: number): Promise<RecordPage<ExportedJob>> {
    const jobs = (await this.#pool.query<JobRow>('SELECT * FROM jobs WHERE seq > $1 ORDER BY seq LIMIT $2', [cursor ?? '0', limit])).rows;
    const events = (await this.#pool.query<EventRow>('SELECT * FROM job_events WHERE job_id = ANY($1) ORDER BY job_id, seq', [jobs.map((job) => job.id)])).rows;
    const byJob = new Map<string, JobEvent[]>();
    for (const row of events) byJob.set(row.job_id, [...(byJob.get(row.job_id) ?? []), toEvent(row)]);
    const last = jobs[jobs.length - 1];
    return {
      items: jobs.map((row) => ({ ...toJob(row), lease: null, events: byJob.get(row.id) ?? [] })),
      cursor: jobs.length === limit && last ? last.seq : null,
    };
  }

  async importRecords(records: readonly ExportedJob[]): Promise<number> {
    if (records.length === 0) return 0;
    return withAppTransaction(this.#pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [EVENTS_LOCK_KEY]);
      let added = 0;
      for (const job of records) {
        const nextSeq = job.events.reduce((max, event) => Math.max(max, event.seq), 0) + 1;
        const inserted = await client.query(
          `INSERT INTO jobs (id, collection, kind, sources, inputs, options, status, created_at, started_at, finished_at, progress, errors, error, next_seq, cancel_requested)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING`,
          [
            job.id, job.collection, job.kind, JSON.stringify(job.sources), JSON.stringify(job.inputs), JSON.stringify(job.options), job.status, job.createdAt,
            job.startedAt, job.finishedAt, JSON.stringify(job.progress), JSON.stringify(job.errors), job.error, nextSeq, job.cancelRequested,
          ],
        );
        if ((inserted.rowCount ?? 0) === 0) continue;
        added += 1;
        if (job.events.length === 0) continue;
        await client.query(
          `INSERT INTO job_events (job_id, seq, type, data, created_at)
           SELECT $1, (e->>'seq')::int, e->'data'->>'type', e->'data', (e->>'createdAt')::timestamptz
           FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY t.n`,
          [job.id, JSON.stringify(job.events)],
        );
      }
      return added;
    });
  }

  async countRecords(): Promise<Record<string, number>> {
    const { rows } = await this.#pool.query<{ jobs: number; events: number }>('SELECT (SELECT count(*) FROM jobs)::int AS jobs, (SELECT count(*) FROM job_events)::int AS events');
    return { jobs: rows[0]?.jobs ?? 0, jobEvents: rows[0]?.events ?? 0 };
  }
}
