import type { DuplicateMember } from '../stores/chunk-store.js';

/** Paths of the other near-duplicates of a result's document (its cluster less itself), by path. */
export interface CollapsedFields {
  alsoIn?: string[];
}

/**
 * One result per near-duplicate cluster: walking the list best first, a result whose document is
 * another member of a cluster already shown is dropped, and every kept result of a cluster lists the
 * cluster's other paths in `alsoIn`. Several results of one document (chunk results) all stay. Works on
 * any result shape with a document id: chunks or grouped documents. Order is kept; `clusters` maps a
 * document id to its cluster's members (ChunkStore.duplicatesOf).
 */
export function collapseDuplicates<T extends { documentId: number }>(
  results: readonly T[],
  clusters: ReadonlyMap<number, readonly DuplicateMember[]>,
): (T & CollapsedFields)[] {
  const shownBy = new Map<string, number>();
  const out: (T & CollapsedFields)[] = [];
  for (const result of results) {
    const members = clusters.get(result.documentId);
    if (members === undefined || members.length < 2) {
      out.push(result);
      continue;
    }
    const key = clusterKey(members);
    const shown = shownBy.get(key);
    if (shown !== undefined && shown !== result.documentId) continue;
    shownBy.set(key, result.documentId);
    const alsoIn = members.filter((member) => member.documentId !== result.documentId).map((member) => member.relativePath);
    out.push({ ...result, alsoIn });
  }
  return out;
}

function clusterKey(members: readonly DuplicateMember[]): string {
  return String(Math.min(...members.map((member) => member.documentId)));
}
