import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveName, archiveSequence, parseArchiveName } from './backup-archive-name.js';
import { applyRetention, type RetentionCandidate } from './retention.js';

/** Archives named as createBackup names them, at fixed UTC times. */
function archives(...times: string[]): RetentionCandidate[] {
  return times.map((time) => {
    const createdAt = new Date(time);
    return { name: archiveName(createdAt), createdAt };
  });
}

const name = (time: string) => archiveName(new Date(time));

describe('applyRetention (keep-last N, keep-daily D; kept when either keeps it)', () => {
  // Nightly at 02:00 for ten days, plus two extra backups on the last day and a gap of three days.
  const nightly = archives(
    '2026-01-01T02:00:00Z',
    '2026-01-02T02:00:00Z',
    '2026-01-03T02:00:00Z',
    '2026-01-04T02:00:00Z',
    // 5th, 6th, 7th: no backup (server down)
    '2026-01-08T02:00:00Z',
    '2026-01-09T02:00:00Z',
    '2026-01-10T02:00:00Z',
    '2026-01-10T12:00:00Z',
    '2026-01-10T18:30:00Z',
  );

  it('keep-last alone keeps the newest N', () => {
    const { keep, remove } = applyRetention(nightly, { keepLast: 2, keepDaily: 0 });
    assert.deepEqual(keep, [name('2026-01-10T18:30:00Z'), name('2026-01-10T12:00:00Z')]);
    assert.equal(remove.length, nightly.length - 2);
  });

  it('keep-daily alone keeps the newest of each of the D latest days that have a backup (gaps do not count)', () => {
    const { keep } = applyRetention(nightly, { keepLast: 0, keepDaily: 4 });
    assert.deepEqual(keep, [name('2026-01-10T18:30:00Z'), name('2026-01-09T02:00:00Z'), name('2026-01-08T02:00:00Z'), name('2026-01-04T02:00:00Z')]);
  });

  it('the union of both rules, newest first; the rest is removed', () => {
    const { keep, remove } = applyRetention(nightly, { keepLast: 3, keepDaily: 3 });
    assert.deepEqual(keep, [name('2026-01-10T18:30:00Z'), name('2026-01-10T12:00:00Z'), name('2026-01-10T02:00:00Z'), name('2026-01-09T02:00:00Z'), name('2026-01-08T02:00:00Z')]);
    assert.deepEqual(remove, [name('2026-01-04T02:00:00Z'), name('2026-01-03T02:00:00Z'), name('2026-01-02T02:00:00Z'), name('2026-01-01T02:00:00Z')]);
  });

  it('days are UTC days: 23:59:59 and 00:00:00 fall on different days', () => {
    const { keep } = applyRetention(archives('2026-03-01T23:59:59Z', '2026-03-02T00:00:00Z'), { keepLast: 0, keepDaily: 2 });
    assert.equal(keep.length, 2);
  });

  it('keeps everything when the rules ask for more than there is; nothing to keep from nothing', () => {
    assert.deepEqual(applyRetention(nightly, { keepLast: 50, keepDaily: 50 }).remove, []);
    assert.deepEqual(applyRetention([], { keepLast: 1, keepDaily: 1 }), { keep: [], remove: [] });
  });

  it('two archives of the same second are ordered by their sequence suffix', () => {
    const createdAt = new Date('2026-01-10T02:00:00Z');
    const first = { name: archiveName(createdAt), createdAt, sequence: 1 };
    const second = { name: archiveName(createdAt, 2), createdAt, sequence: 2 };
    assert.deepEqual(applyRetention([first, second], { keepLast: 1, keepDaily: 0 }).keep, [second.name]);
  });
});

describe('archive names', () => {
  it('carry the UTC time to the second, and a sequence when a second is taken', () => {
    const createdAt = new Date('2026-01-07T02:03:04.567Z');
    assert.equal(archiveName(createdAt), 'cairn-backup-20260107T020304Z.tar.gz');
    assert.equal(archiveName(createdAt, 3), 'cairn-backup-20260107T020304Z-3.tar.gz');
    assert.equal(parseArchiveName('cairn-backup-20260107T020304Z-3.tar.gz')?.toISOString(), '2026-01-07T02:03:04.000Z');
    assert.equal(archiveSequence('cairn-backup-20260107T020304Z-3.tar.gz'), 3);
    assert.equal(archiveSequence('cairn-backup-20260107T020304Z.tar.gz'), 1);
  });

  it('other files are not archives', () => {
    for (const other of ['notes.txt', 'cairn-backup-20260107T020304Z.tar.gz.partial', '.cairn-backup-20260107T020304Z-12.partial', 'cairn-backup-2026.tar.gz']) {
      assert.equal(parseArchiveName(other), undefined, other);
    }
  });
});
