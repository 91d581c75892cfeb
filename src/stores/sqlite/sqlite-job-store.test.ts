import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteJobStore } from './sqlite-job-store.js';
import { applyPragmas, migrateSqliteSchema } from './sqlite-schema.js';

// The store contract (job-store.contract.ts) runs on one connection; this is what SQLite adds: several
// processes sharing one file, each with its own connection (`cairn serve --no-jobs` beside `cairn worker`).
describe('SqliteJobStore across connections', () => {
  it('sees the leases, cancel flags and events another connection writes', async () => {
    const fresh = freshStores();
    try {
      const a1 = await fresh.one.create({ collection: 'a', kind: 'path', sources: ['1'], inputs: ['1'], options: {} });
      const a2 = await fresh.one.create({ collection: 'a', kind: 'path', sources: ['2'], inputs: ['2'], options: {} });
      const b1 = await fresh.one.create({ collection: 'b', kind: 'path', sources: ['3'], inputs: ['3'], options: {} });
      assert.equal((await fresh.one.claim({ owner: 'p1', leaseMs: 60_000 }))?.id, a1.id);
      assert.equal((await fresh.two.claim({ owner: 'p2', leaseMs: 60_000 }))?.id, b1.id, 'a2 waits for the live lease on its collection');
      assert.equal(await fresh.two.claim({ owner: 'p2', leaseMs: 60_000 }), undefined);
      assert.deepEqual(await fresh.two.requeueRunning(), [], 'a process starting beside live leases requeues nothing');

      await fresh.two.update(a2.id, { cancelRequested: true });
      await fresh.one.update(a1.id, { status: 'succeeded' });
      assert.equal(await fresh.one.claim({ owner: 'p1', leaseMs: 60_000 }), undefined, 'the flag set elsewhere is honoured');

      const [event] = await fresh.one.appendEvents(a1.id, [{ type: 'status', jobId: a1.id, status: 'succeeded', error: null }]);
      assert.equal(await fresh.two.lastEventId(), event!.id);
      assert.equal((await fresh.two.eventsAfter(0, 10))[0]?.id, event!.id);
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
