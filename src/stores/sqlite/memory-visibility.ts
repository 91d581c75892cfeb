import type { MemoryScope } from '../memory-store.js';

/**
 * The visibility rule of memories, once as SQL and once for rows held in memory: unexpired, and a
 * memory's session / user id is null or equals the scope's; with tags, carrying every one of them.
 */

/** A memory's vector and what decides its visibility, kept in memory for the dense scan. */
export interface CachedVector {
  vector: Float32Array;
  sessionId: string | null;
  userId: string | null;
  expiresAt: string | null;
  tags: readonly string[];
}

export interface VectorCache {
  embedder: string;
  /** `PRAGMA data_version` when loaded: it changes when another connection commits. */
  dataVersion: number;
  rows: Map<number, CachedVector>;
}

/**
 * SQL (with named parameters, memories aliased `m`) for the rule; `params` receives the values
 * (`now` is set by the caller). Times are ISO strings in UTC, which sort as text.
 */
export function visibleSql(scope: MemoryScope, tags: readonly string[] | undefined, params: Record<string, unknown>): string {
  const clauses = ['(m.expires_at IS NULL OR m.expires_at > @now)'];
  clauses.push(scope.sessionId === undefined ? 'm.session_id IS NULL' : '(m.session_id IS NULL OR m.session_id = @sessionId)');
  clauses.push(scope.userId === undefined ? 'm.user_id IS NULL' : '(m.user_id IS NULL OR m.user_id = @userId)');
  if (scope.sessionId !== undefined) params.sessionId = scope.sessionId;
  if (scope.userId !== undefined) params.userId = scope.userId;
  (tags ?? []).forEach((tag, index) => {
    params[`tag${index}`] = tag;
    clauses.push(`EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = @tag${index})`);
  });
  return clauses.join(' AND ');
}

/** The rule of visibleSql, for cached rows. `now` is an ISO instant. */
export function isVisible(row: CachedVector, scope: MemoryScope, tags: readonly string[] | undefined, now: string): boolean {
  if (row.expiresAt !== null && row.expiresAt <= now) return false;
  if (row.sessionId !== null && row.sessionId !== scope.sessionId) return false;
  if (row.userId !== null && row.userId !== scope.userId) return false;
  if (tags === undefined) return true;
  for (const tag of tags) if (!row.tags.includes(tag)) return false;
  return true;
}

/** Dot product (= cosine for L2-normalised vectors); 0 for vectors of different lengths. Unrolled by four. */
export function dot(a: Float32Array, b: Float32Array): number {
  const length = a.length;
  if (length !== b.length) return 0;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < length; i += 4) {
    s0 += (a[i] as number) * (b[i] as number);
    s1 += (a[i + 1] as number) * (b[i + 1] as number);
    s2 += (a[i + 2] as number) * (b[i + 2] as number);
    s3 += (a[i + 3] as number) * (b[i + 3] as number);
  }
  for (; i < length; i++) s0 += (a[i] as number) * (b[i] as number);
  return s0 + s1 + s2 + s3;
}
