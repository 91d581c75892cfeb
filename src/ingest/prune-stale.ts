import type { ChunkStore, DocumentState } from '../stores/chunk-store.js';
import type { IndexSync } from './index-sync.js';
import type { PruneScope } from './source/resolve-sources.js';
import type { IngestReport } from './ingest-report.js';

/**
 * `--prune`: deletes the documents stored under the roots of this run that the run did not see (their
 * files are gone), and pushes their chunk ids to the vector index. A root with a prune scope (a crawl)
 * removes only what its scope says is gone: a complete crawl everything it did not keep, an incomplete
 * one only pages that answered 404/410.
 */
export async function pruneStale(
  chunks: Pick<ChunkStore, 'deleteDocuments'>,
  collection: string,
  walked: { states: Map<string, DocumentState>; seen: Set<string>; roots: string[]; pruneScopes?: Map<string, PruneScope> },
  sync: IndexSync,
  report: IngestReport,
): Promise<void> {
  const { states, seen, roots } = walked;
  const prunable = (uri: string, sourceRoot: string): boolean => {
    const scope = walked.pruneScopes?.get(sourceRoot);
    if (scope === undefined) return true;
    return scope.complete ? !scope.keep.has(uri) : scope.gone.has(uri);
  };
  const stale = [...states.entries()]
    .filter(([uri, state]) => !seen.has(uri) && roots.includes(state.sourceRoot) && prunable(uri, state.sourceRoot))
    .map(([uri]) => uri);
  if (stale.length === 0) return;
  await sync.removed(await chunks.deleteDocuments(collection, stale));
  report.pruned(stale);
}
