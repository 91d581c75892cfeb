/**
 * The collection token of PostgresChunkStore.collectionGeneration, `<id>:<write_generation>:<vector_epoch>`,
 * built in SQL by COLLECTION_GENERATION_SQL and read back by parseCollectionGeneration (the in-memory
 * postings check their freshness by the id and write generation a search already read).
 */
export const COLLECTION_GENERATION_SQL = `id || ':' || write_generation || ':' || vector_epoch`;

export function parseCollectionGeneration(token: string): { id: number; writeGeneration: number } | undefined {
  const match = /^(\d+):(\d+):\d+$/.exec(token);
  if (match === null) return undefined;
  const id = Number(match[1]);
  const writeGeneration = Number(match[2]);
  return Number.isSafeInteger(id) && Number.isSafeInteger(writeGeneration) ? { id, writeGeneration } : undefined;
}
