import type { ChunkStore, DocumentState } from '../stores/chunk-store.js';
import type { IndexSync } from './index-sync.js';
import type { IngestReport } from './ingest-report.js';

/**
 * `--prune`: deletes the documents stored under the roots of this run that the run did not see (their
 * files are gone), and pushes their chunk ids to the vector index.
 */
export async function pruneStale(
  chunks: Pick<ChunkStore, 'deleteDocuments'>,
  collection: string,
  walked: { states: Map<string, DocumentState>; seen: Set<string>; roots: string[] },
  sync: IndexSync,
  report: IngestReport,
): Promise<void> {
  const { states, seen, roots } = walked;
  const stale = [...states.entries()].filter(([uri, state]) => !seen.has(uri) && roots.includes(state.sourceRoot)).map(([uri]) => uri);
  if (stale.length === 0) return;
  await sync.removed(await chunks.deleteDocuments(collection, stale));
  report.pruned(stale);
}
