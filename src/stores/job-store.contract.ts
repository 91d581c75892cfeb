import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../core/cairn-error.js';
import { emptyProgress, PROGRESS_EVENTS_KEPT, publicJob, type ExportedJob, type JobEventData, type JobStore } from './job-store.js';
import { assertTransfers } from './record-transfer.contract.js';

/** A job store under test: fresh and empty. */
export interface JobStoreUnderTest {
  jobs: JobStore;
  close(): Promise<void>;
}

const isCode = (code: string) => (error: unknown) => error instanceof CairnError && error.code === code;

/**
 * The JobStore contract (SQLite and PostgreSQL); `open` returns a fresh, empty store each time it is
 * called. Cases run in order on one store and clean up what would disturb the next.
 */
export function jobStoreContract(name: string, open: () => Promise<JobStoreUnderTest>): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('answers the id of the newest stored event, 0 when none', async () => {
      assert.equal(await store.jobs.lastEventId(), 0);
      const job = await store.jobs.create({ collection: 'ids', kind: 'path', sources: ['x'], inputs: ['x'], options: {} });
      const stored = await store.jobs.appendEvents(job.id, [
        { type: 'status', jobId: job.id, status: 'running', error: null },
        { type: 'status', jobId: job.id, status: 'succeeded', error: null },
      ]);
      assert.equal(await store.jobs.lastEventId(), stored[1]!.id);
      await store.jobs.update(job.id, { status: 'succeeded' });
    });

    it('creates a queued job and keeps its inputs and options out of the public view', async () => {
      const job = await store.jobs.create({ collection: 'kb', kind: 'path', sources: ['/srv/docs'], inputs: ['/real/srv/docs'], options: { tags: ['a'], prune: true } });
      assert.equal(job.status, 'queued');
      assert.deepEqual(job.progress, emptyProgress());
      assert.deepEqual(job.inputs, ['/real/srv/docs']);
      assert.deepEqual(job.options, { tags: ['a'], prune: true });
      assert.equal(job.lease, null);
      assert.deepEqual(await store.jobs.get(job.id), job);
      const shown = publicJob(job);
      assert.equal('inputs' in shown, false);
      assert.equal('options' in shown, false);
      assert.equal('lease' in shown, false);
      assert.equal(await store.jobs.get('missing'), undefined);
      const chosen = await store.jobs.create({ id: 'upload-0001', collection: 'kb', kind: 'upload', sources: ['a.md'], inputs: ['/up/a.md'], options: {} });
      assert.equal(chosen.id, 'upload-0001');
    });

    it('updates status, times, progress and keeps the latest 100 errors', async () => {
      const job = await store.jobs.create({ collection: 'kb', kind: 'upload', sources: ['a.md'], inputs: ['/up/x'], options: {} });
      const errors = Array.from({ length: 130 }, (_, i) => ({ file: `f${i}`, code: 'PARSE_FAILED', reason: 'bad' }));
      const updated = await store.jobs.update(job.id, { status: 'running', startedAt: '2026-01-01T00:00:00.000Z', progress: { ...emptyProgress(), filesDone: 3 }, errors });
      assert.equal(updated.status, 'running');
      assert.equal(updated.startedAt, '2026-01-01T00:00:00.000Z');
      assert.equal(updated.progress.filesDone, 3);
      assert.equal(updated.errors.length, 100);
      assert.equal(updated.errors[0]?.file, 'f30');
      await assert.rejects(store.jobs.update('missing', { status: 'failed' }), isCode('JOB_NOT_FOUND'));
    });

    it('requeues running jobs without a lease and lists queued ones oldest first', async () => {
      const running = (await store.jobs.list({ status: 'running', limit: 10 })).items.map((job) => job.id);
      assert.ok(running.length >= 1);
      const requeued = await store.jobs.requeueRunning();
      assert.deepEqual(requeued.sort(), running.sort());
      assert.equal((await store.jobs.list({ status: 'running', limit: 10 })).items.length, 0);
      const queued = await store.jobs.listQueued(10);
      assert.ok(queued.length >= 2);
      assert.equal(await store.jobs.countQueued(), queued.length);
      for (let i = 1; i < queued.length; i += 1) assert.ok(queued[i - 1]!.createdAt <= queued[i]!.createdAt);
    });

    it('pages newest first with a cursor and filters by collection and status', async () => {
      for (let i = 0; i < 5; i += 1) await store.jobs.create({ collection: 'paged', kind: 'git', sources: [`u${i}`], inputs: [`u${i}`], options: {} });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.jobs.list({ collection: 'paged', limit: 2, ...(cursor ? { cursor } : {}) });
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((job) => job.sources[0]!));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.deepEqual(seen, ['u4', 'u3', 'u2', 'u1', 'u0']);
      assert.equal((await store.jobs.list({ collection: 'paged', status: 'failed', limit: 10 })).items.length, 0);
      await assert.rejects(store.jobs.list({ limit: 2, cursor: 'not-a-cursor' }), isCode('INPUT_INVALID'));
    });

    it('numbers events per job, orders them globally and trims only old progress events', async () => {
      const a = await store.jobs.create({ collection: 'kb', kind: 'path', sources: ['a'], inputs: ['a'], options: {} });
      const b = await store.jobs.create({ collection: 'kb', kind: 'path', sources: ['b'], inputs: ['b'], options: {} });
      const progress = (jobId: string, filesDone: number): JobEventData => ({ type: 'progress', jobId, progress: { ...emptyProgress(), filesDone } });
      const first = await store.jobs.appendEvents(a.id, [{ type: 'status', jobId: a.id, status: 'running', error: null }, { type: 'file', jobId: a.id, file: 'x.md', outcome: 'ingested', chunks: 2 }]);
      assert.deepEqual(first.map((event) => event.seq), [1, 2]);
      assert.deepEqual(first[1]?.data, { type: 'file', jobId: a.id, file: 'x.md', outcome: 'ingested', chunks: 2 });
      const other = await store.jobs.appendEvents(b.id, [progress(b.id, 1)]);
      assert.equal(other[0]?.seq, 1);
      assert.ok(other[0]!.id > first[1]!.id);

      const many = Array.from({ length: PROGRESS_EVENTS_KEPT + 50 }, (_, i) => progress(a.id, i));
      await store.jobs.appendEvents(a.id, many.slice(0, 600));
      await store.jobs.appendEvents(a.id, many.slice(600));
      await store.jobs.appendEvents(a.id, [{ type: 'status', jobId: a.id, status: 'succeeded', error: null }]);
      const events = await store.jobs.eventsOf(a.id, 0, 10_000);
      assert.equal(events.filter((event) => event.data.type === 'progress').length, PROGRESS_EVENTS_KEPT);
      assert.deepEqual(events.slice(0, 2).map((event) => event.data.type), ['status', 'file']);
      const last = events[events.length - 1]!;
      assert.equal(last.seq, 2 + PROGRESS_EVENTS_KEPT + 50 + 1);
      assert.deepEqual(last.data, { type: 'status', jobId: a.id, status: 'succeeded', error: null });
      for (let i = 1; i < events.length; i += 1) assert.ok(events[i]!.seq > events[i - 1]!.seq);

      const resumed = await store.jobs.eventsOf(a.id, last.seq - 1, 10);
      assert.deepEqual(resumed.map((event) => event.seq), [last.seq]);
      const global = await store.jobs.eventsAfter(first[1]!.id, 3);
      assert.equal(global[0]?.jobId, b.id);
      await assert.rejects(store.jobs.appendEvents('missing', [progress('missing', 1)]), isCode('JOB_NOT_FOUND'));
      for (const job of [a, b]) await store.jobs.update(job.id, { status: 'succeeded' });
    });

    it('claims the oldest claimable job under a lease, one job per collection at a time', async () => {
      // Finish what earlier cases left queued, so the claims below see only these jobs.
      for (const job of await store.jobs.listQueued(100)) await store.jobs.update(job.id, { status: 'cancelled' });
      const a1 = await store.jobs.create({ collection: 'lease-a', kind: 'path', sources: ['1'], inputs: ['1'], options: {} });
      const a2 = await store.jobs.create({ collection: 'lease-a', kind: 'path', sources: ['2'], inputs: ['2'], options: {} });
      const b1 = await store.jobs.create({ collection: 'lease-b', kind: 'path', sources: ['3'], inputs: ['3'], options: {} });

      const first = await store.jobs.claim({ owner: 'p1', leaseMs: 60_000 });
      assert.equal(first?.id, a1.id);
      assert.equal(first?.status, 'running');
      assert.equal(first?.lease?.owner, 'p1');
      assert.ok(Date.parse(first?.lease?.expiresAt ?? '') > Date.now() + 30_000);
      const second = await store.jobs.claim({ owner: 'p2', leaseMs: 60_000 });
      assert.equal(second?.id, b1.id, 'a2 waits: its collection is being written under a live lease');
      assert.equal(await store.jobs.claim({ owner: 'p2', leaseMs: 60_000 }), undefined);

      assert.equal(await store.jobs.renewLease(a1.id, 'p1', 120_000), true);
      assert.ok(Date.parse((await store.jobs.get(a1.id))?.lease?.expiresAt ?? '') > Date.now() + 90_000);
      assert.equal(await store.jobs.renewLease(a1.id, 'p2', 120_000), false, 'only the holder renews');
      assert.deepEqual(await store.jobs.requeueRunning(), [], 'live leases are left alone');

      const finished = await store.jobs.update(a1.id, { status: 'succeeded' });
      assert.equal(finished.lease, null, 'a finished job holds no lease');
      assert.equal(await store.jobs.renewLease(a1.id, 'p1', 60_000), false);
      assert.equal(await store.jobs.claim({ owner: 'p3', leaseMs: 60_000, skipCollections: ['lease-a'] }), undefined, 'skipCollections is honoured');
      assert.equal((await store.jobs.claim({ owner: 'p3', leaseMs: 60_000 }))?.id, a2.id);

      assert.deepEqual((await store.jobs.requeueRunning({ owners: ['p3'] })).sort(), [a2.id], 'a dead owner\'s jobs are requeued');
      assert.equal((await store.jobs.get(a2.id))?.lease, null);
      for (const id of [a2.id, b1.id]) await store.jobs.update(id, { status: 'cancelled' });
    });

    it('an expired lease is claimable again, by anyone', async () => {
      const job = await store.jobs.create({ collection: 'lease-c', kind: 'path', sources: ['x'], inputs: ['x'], options: {} });
      assert.equal((await store.jobs.claim({ owner: 'gone', leaseMs: 1 }))?.id, job.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      const taken = await store.jobs.claim({ owner: 'heir', leaseMs: 60_000 });
      assert.equal(taken?.id, job.id);
      assert.equal(taken?.lease?.owner, 'heir');
      assert.equal(await store.jobs.renewLease(job.id, 'gone', 60_000), false, 'the old holder lost it');
      await store.jobs.update(job.id, { status: 'cancelled' });
    });

    it('concurrent claims never hand out one job twice', async () => {
      const created = [];
      for (let i = 0; i < 12; i += 1) created.push(await store.jobs.create({ collection: `race-${i}`, kind: 'path', sources: [`${i}`], inputs: [`${i}`], options: {} }));
      const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => store.jobs.claim({ owner: `w${i}`, leaseMs: 60_000 })));
      const ids = claims.filter((job) => job !== undefined).map((job) => job.id);
      assert.equal(ids.length, 12);
      assert.equal(new Set(ids).size, 12);
      for (const job of created) await store.jobs.update(job.id, { status: 'cancelled' });
    });

    it('never claims a job asked to cancel, and keeps the flag out of the public view', async () => {
      const job = await store.jobs.create({ collection: 'cancel-a', kind: 'path', sources: ['x'], inputs: ['x'], options: {} });
      assert.equal(job.cancelRequested, false);
      const flagged = await store.jobs.update(job.id, { cancelRequested: true });
      assert.equal(flagged.cancelRequested, true);
      assert.equal((await store.jobs.get(job.id))?.cancelRequested, true);
      assert.equal('cancelRequested' in publicJob(flagged), false);
      assert.equal(await store.jobs.claim({ owner: 'p1', leaseMs: 60_000 }), undefined);
      // A running job flagged while its holder's lease ran out is not taken over either.
      const running = await store.jobs.create({ collection: 'cancel-b', kind: 'path', sources: ['y'], inputs: ['y'], options: {} });
      assert.equal((await store.jobs.claim({ owner: 'gone', leaseMs: 1 }))?.id, running.id);
      await store.jobs.update(running.id, { cancelRequested: true });
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await store.jobs.claim({ owner: 'heir', leaseMs: 60_000 }), undefined);
      // Left flagged (one queued, one running): the copy below must carry the flag.
    });

    it('copies its jobs with their events; leases are not kept', async () => {
      const target = await open();
      try {
        const normalize = (job: ExportedJob) => ({ ...job, events: job.events.map(({ id: _id, ...event }) => event) });
        await assertTransfers(store.jobs, target.jobs, normalize);
        const [sample] = (await store.jobs.list({ limit: 1 })).items;
        assert.deepEqual(await target.jobs.get(sample!.id), { ...sample, lease: null });
      } finally {
        await target.close();
      }
    });
  });
}
