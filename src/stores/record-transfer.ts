/** One page of exported records; `cursor` continues after its last record (null: this was the last page). */
export interface RecordPage<T> {
  items: T[];
  cursor: string | null;
}

/**
 * What each application store (keys, jobs, chats, memories, settings, analytics) offers
 * `cairn db copy` (app/copy/): its records whole — ids, key hashes, times, owners, vectors kept — and
 * an import that adds the records missing by id and leaves the ones present untouched. A copy that
 * stopped half-way therefore runs again from the start without duplicating anything.
 *
 * Contract (checked by each store's contract suite):
 * - `exportRecords` pages through every record in the store's own order (creation order where it has
 *   one), `limit` at most per page; a cursor is opaque and only valid for the store that gave it out.
 * - `importRecords` of exported records into an empty store makes it export the same records again
 *   (apart from what the record type says is not kept), in the same order; importing them twice
 *   changes nothing the second time. It answers how many records it added.
 * - `countRecords` counts what the records hold, by name (`{ chatSessions, chatMessages }`), the same
 *   names for every implementation, so a copy compares its source and target by them.
 */
export interface RecordTransfer<T> {
  exportRecords(cursor: string | null, limit: number): Promise<RecordPage<T>>;
  importRecords(records: readonly T[]): Promise<number>;
  countRecords(): Promise<Record<string, number>>;
}
