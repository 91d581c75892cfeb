import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';
import { emptyProgress, PROGRESS_EVENTS_KEPT, publicJob, type JobEventData } from '../job-store.js';
import { SqliteJobStore } from './sqlite-job-store.js';
import { applyPragmas, migrateSqliteSchema } from './sqlite-schema.js';

describe('SqliteJobStore', () => {
  let dir: string;
  let db: Database.Database;
  let store: SqliteJobStore;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-jobs-'));
    db = new Database(join(dir, 'cairn.db'));
    applyPragmas(db, false);
    migrateSqliteSchema(db, false);
    store = new SqliteJobStore(db);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a queued job and keeps its inputs and options out of the public view', async () => {
    const job = await store.create({ collection: 'kb', kind: 'path', sources: ['/srv/docs'], inputs: ['/real/srv/docs'], options: { tags: ['a'], prune: true } });
    assert.equal(job.status, 'queued');
    assert.deepEqual(job.progress, emptyProgress());
    assert.deepEqual(job.inputs, ['/real/srv/docs']);
    assert.deepEqual(job.options, { tags: ['a'], prune: true });
    assert.deepEqual(await store.get(job.id), job);
    const shown = publicJob(job);
    assert.equal('inputs' in shown, false);
    assert.equal('options' in shown, false);
    assert.equal(await store.get('missing'), undefined);
  });

  it('updates status, times, progress and keeps the latest 100 errors', async () => {
    const job = await store.create({ collection: 'kb', kind: 'upload', sources: ['a.md'], inputs: ['/up/x'], options: {} });
    const errors = Array.from({ length: 130 }, (_, i) => ({ file: `f${i}`, code: 'PARSE_FAILED', reason: 'bad' }));
    const updated = await store.update(job.id, { status: 'running', startedAt: '2026-01-01T00:00:00.000Z', progress: { ...emptyProgress(), filesDone: 3 }, errors });
    assert.equal(updated.status, 'running');
    assert.equal(updated.startedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(updated.progress.filesDone, 3);
    assert.equal(updated.errors.length, 100);
    assert.equal(updated.errors[0]?.file, 'f30');
    await assert.rejects(store.update('missing', { status: 'failed' }), (error: unknown) => error instanceof CairnError && error.code === 'JOB_NOT_FOUND');
  });

  it('requeues running jobs and lists queued ones oldest first', async () => {
    const running = (await store.list({ status: 'running', limit: 10 })).items.map((job) => job.id);
    assert.ok(running.length >= 1);
    // Jobs set running without a lease (as before leases existed) count as abandoned.
    const requeued = await store.requeueRunning();
    assert.deepEqual(requeued.sort(), running.sort());
    assert.equal((await store.list({ status: 'running', limit: 10 })).items.length, 0);
    const queued = await store.listQueued(10);
    assert.ok(queued.length >= 2);
    for (let i = 1; i < queued.length; i += 1) assert.ok(queued[i - 1]!.createdAt <= queued[i]!.createdAt);
  });

  it('pages newest first with a cursor and filters by collection and status', async () => {
    for (let i = 0; i < 5; i += 1) await store.create({ collection: 'paged', kind: 'git', sources: [`u${i}`], inputs: [`u${i}`], options: {} });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list({ collection: 'paged', limit: 2, ...(cursor ? { cursor } : {}) });
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((job) => job.sources[0]!));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.deepEqual(seen, ['u4', 'u3', 'u2', 'u1', 'u0']);
    assert.equal((await store.list({ collection: 'paged', status: 'failed', limit: 10 })).items.length, 0);
    await assert.rejects(store.list({ limit: 2, cursor: 'not-a-cursor' }), (error: unknown) => error instanceof CairnError && error.code === 'INPUT_INVALID');
  });

  it('numbers events per job, orders them globally and trims only old progress events', async () => {
    const a = await store.create({ collection: 'kb', kind: 'path', sources: ['a'], inputs: ['a'], options: {} });
    const b = await store.create({ collection: 'kb', kind: 'path', sources: ['b'], inputs: ['b'], options: {} });
    const progress = (jobId: string, filesDone: number): JobEventData => ({ type: 'progress', jobId, progress: { ...emptyProgress(), filesDone } });
    const first = await store.appendEvents(a.id, [{ type: 'status', jobId: a.id, status: 'running', error: null }, { type: 'file', jobId: a.id, file: 'x.md', outcome: 'ingested', chunks: 2 }]);
    assert.deepEqual(first.map((event) => event.seq), [1, 2]);
    const other = await store.appendEvents(b.id, [progress(b.id, 1)]);
    assert.equal(other[0]?.seq, 1);
    assert.ok(other[0]!.id > first[1]!.id);

    const many = Array.from({ length: PROGRESS_EVENTS_KEPT + 50 }, (_, i) => progress(a.id, i));
    await store.appendEvents(a.id, many.slice(0, 600));
    await store.appendEvents(a.id, many.slice(600));
    await store.appendEvents(a.id, [{ type: 'status', jobId: a.id, status: 'succeeded', error: null }]);
    const events = await store.eventsOf(a.id, 0, 10_000);
    assert.equal(events.filter((event) => event.data.type === 'progress').length, PROGRESS_EVENTS_KEPT);
    assert.deepEqual(events.slice(0, 2).map((event) => event.data.type), ['status', 'file']);
    const last = events[events.length - 1]!;
    assert.equal(last.seq, 2 + PROGRESS_EVENTS_KEPT + 50 + 1);
    assert.deepEqual(last.data, { type: 'status', jobId: a.id, status: 'succeeded', error: null });
    for (let i = 1; i < events.length; i += 1) assert.ok(events[i]!.seq > events[i - 1]!.seq);

    const resumed = await store.eventsOf(a.id, last.seq - 1, 10);
    assert.deepEqual(resumed.map((event) => event.seq), [last.seq]);
    const global = await store.eventsAfter(first[1]!.id, 3);
    assert.equal(global[0]?.jobId, b.id);
    await assert.rejects(store.appendEvents('missing', [progress('missing', 1)]), (error: unknown) => error instanceof CairnError && error.code === 'JOB_NOT_FOUND');
  });

  it('claims atomically under a lease, one job per collection, and never takes a live lease', async () => {
    const fresh = freshStores();
    try {
      const a1 = await fresh.one.create({ collection: 'a', kind: 'path', sources: ['1'], inputs: ['1'], options: {} });
      const a2 = await fresh.one.create({ collection: 'a', kind: 'path', sources: ['2'], inputs: ['2'], options: {} });
      const b1 = await fresh.one.create({ collection: 'b', kind: 'path', sources: ['3'], inputs: ['3'], options: {} });
      const first = await fresh.one.claim({ owner: 'p1', leaseMs: 60_000 });
      assert.equal(first?.id, a1.id);
      assert.equal(first?.status, 'running');
      assert.equal(first?.lease?.owner, 'p1');
      assert.ok(Date.parse(first!.lease!.expiresAt) > Date.now() + 50_000);
      // Another connection to the same file (as another process has): a2 waits for a1's collection.
      const second = await fresh.two.claim({ owner: 'p2', leaseMs: 60_000 });
      assert.equal(second?.id, b1.id);
      assert.equal(await fresh.two.claim({ owner: 'p2', leaseMs: 60_000 }), undefined);
      assert.equal(await fresh.two.claim({ owner: 'p2', leaseMs: 60_000, skipCollections: ['a'] }), undefined);
      assert.deepEqual(await fresh.two.requeueRunning(), [], 'a process starting beside live leases requeues nothing');
      assert.equal(await fresh.one.renewLease(a1.id, 'p2', 60_000), false, 'only the holder renews');
      assert.equal(await fresh.one.renewLease(a1.id, 'p1', 60_000), true);
      // Finished: the lease is gone and the collection's next job is claimable.
      const done = await fresh.one.update(a1.id, { status: 'succeeded' });
      assert.equal(done.lease, null);
      assert.equal(await fresh.one.renewLease(a1.id, 'p1', 60_000), false);
      assert.equal((await fresh.two.claim({ owner: 'p2', leaseMs: 60_000 }))?.id, a2.id);
      // A dead owner named explicitly loses its jobs at once.
      assert.deepEqual((await fresh.one.requeueRunning({ owners: ['p2'] })).sort(), [a2.id, b1.id].sort());
      assert.equal((await fresh.one.get(a2.id))?.lease, null);
    } finally {
      fresh.close();
    }
  });

  it('lets another process take over a job whose lease expired, and skips jobs asked to cancel', async () => {
    const fresh = freshStores();
    try {
      const job = await fresh.one.create({ collection: 'c', kind: 'path', sources: ['1'], inputs: ['1'], options: {} });
      assert.equal((await fresh.one.claim({ owner: 'dead', leaseMs: 1 }))?.id, job.id);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const taken = await fresh.two.claim({ owner: 'alive', leaseMs: 60_000 });
      assert.equal(taken?.id, job.id);
      assert.equal(taken?.lease?.owner, 'alive');
      assert.equal(await fresh.one.renewLease(job.id, 'dead', 60_000), false, 'the old holder learns it lost the job');

      const cancelled = await fresh.one.create({ collection: 'd', kind: 'path', sources: ['2'], inputs: ['2'], options: {} });
      const flagged = await fresh.two.update(cancelled.id, { cancelRequested: true });
      assert.equal(flagged.cancelRequested, true);
      assert.equal('cancelRequested' in publicJob(flagged), false);
      assert.equal(await fresh.one.claim({ owner: 'x', leaseMs: 60_000 }), undefined);
      assert.equal(await fresh.one.lastEventId(), 0);
      const [event] = await fresh.one.appendEvents(job.id, [{ type: 'status', jobId: job.id, status: 'running', error: null }]);
      assert.equal(await fresh.two.lastEventId(), event!.id);
    } finally {
      fresh.close();
    }
  });
});

/** Two connections to one new database file, as two processes sharing it have. */
function freshStores(): { one: SqliteJobStore; two: SqliteJobStore; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-jobs-lease-'));
  const open = () => {
    const db = new Database(join(dir, 'cairn.db'));
    applyPragmas(db, false);
    migrateSqliteSchema(db, false);
    return db;
  };
  const first = open();
  const second = open();
  return {
    one: new SqliteJobStore(first),
    two: new SqliteJobStore(second),
    close: () => {
      first.close();
      second.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
