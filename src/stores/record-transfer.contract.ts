import assert from 'node:assert/strict';
import type { RecordTransfer } from './record-transfer.js';

/** Every record of a store, page by page (a small page, so cursors are exercised). */
export async function exportAll<T>(store: RecordTransfer<T>, pageSize = 2): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: T[]; cursor: string | null } = await store.exportRecords(cursor, pageSize);
    assert.ok(page.items.length <= pageSize, 'a page holds at most `limit` records');
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== null);
  return all;
}

/**
 * The RecordTransfer contract between a filled `source` and an empty `target` (of any backend):
 * the target, fed the source's pages, exports the same records (through `normalize`, which drops
 * what the record type says is not kept) and counts the same; a second import adds nothing.
 */
export async function assertTransfers<T>(source: RecordTransfer<T>, target: RecordTransfer<T>, normalize: (record: T) => unknown = (record) => record): Promise<void> {
  const records = await exportAll(source);
  assert.ok(records.length > 0, 'the source holds records to copy');
  let added = 0;
  for (let index = 0; index < records.length; index += 2) added += await target.importRecords(records.slice(index, index + 2));
  assert.equal(added, records.length, 'every record is added once');
  assert.deepEqual((await exportAll(target, 3)).map(normalize), records.map(normalize));
  assert.deepEqual(await target.countRecords(), await source.countRecords());
  assert.equal(await target.importRecords(records), 0, 'importing again adds nothing');
  assert.deepEqual(await target.countRecords(), await source.countRecords());
}
