import type pg from 'pg';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  signatureFromBytes,
  signatureToBytes,
} from '../../core/minhash.js';
import type { DuplicateCluster, DuplicateMember } from '../chunk-store.js';

interface FingerprintRow {
  document_id: number;
  minhash: Buffer;
  threshold: number;
  cluster: number;
}

type Queryable = pg.Pool | pg.PoolClient;

/**
 * Near-duplicate clusters on PostgreSQL: the same tables, invariant and steps as the SQLite store's
 * (sqlite-near-duplicates.ts). `forget` and `record` run in the writer's transaction, which holds the
 * collection's row lock (lockCollections), so two writers never cluster one collection at once.
 */
export async function forgetFingerprint(client: pg.PoolClient, collectionId: number, documentId: number): Promise<void> {
  const { rows } = await client.query<{ cluster: number }>('DELETE FROM document_fingerprints WHERE document_id = $1 RETURNING cluster', [documentId]);
  if (rows[0] === undefined) return;
  await client.query('DELETE FROM document_bands WHERE document_id = $1', [documentId]);
  const left = await client.query<FingerprintRow>(
    'SELECT document_id, minhash, threshold, cluster FROM document_fingerprints WHERE collection_id = $1 AND cluster = $2',
    [collectionId, rows[0].cluster],
  );
  if (left.rows.length === 0) return;
  const threshold = Math.max(...left.rows.map((row) => row.threshold));
  const next = clusterFingerprints(left.rows.map((row) => ({ documentId: row.document_id, signature: signatureFromBytes(row.minhash) })), threshold);
  const changed = [...next].filter(([, cluster]) => cluster !== rows[0]!.cluster);
  if (changed.length > 0) {
    await client.query('UPDATE document_fingerprints f SET cluster = u.cluster FROM unnest($1::bigint[], $2::bigint[]) AS u(id, cluster) WHERE f.document_id = u.id', [
      changed.map(([id]) => id),
      changed.map(([, cluster]) => cluster),
    ]);
  }
}

/** One document's fingerprint for `recordFingerprints`. */
export interface FingerprintWrite {
  documentId: number;
  minhash: Uint32Array;
  threshold: number;
}

/**
 * Records a batch of one collection's documents' fingerprints, in four statements whatever the batch's
 * size: the stored fingerprints sharing a band with any of them, then the batch's fingerprints, bands and
 * the relabelled clusters. The result equals recording them one by one in this order: each document
 * joins the clusters of the earlier ones (stored or in the batch) it resembles, and merged clusters take
 * the smallest label (the SQLite store's steps, sqlite-near-duplicates.ts). A document listed twice keeps
 * its last fingerprint.
 */
export async function recordFingerprints(client: pg.PoolClient, collectionId: number, writes: readonly FingerprintWrite[]): Promise<void> {
  const last = new Map<number, FingerprintWrite>();
  for (const write of writes) {
    last.delete(write.documentId);
    last.set(write.documentId, write);
  }
  const batch = [...last.values()].map((write) => ({ ...write, keys: lshBandKeys(write.minhash), cluster: write.documentId }));
  if (batch.length === 0) return;
  const allKeys = [...new Set(batch.flatMap((item) => item.keys))];
  const { rows } = await client.query<FingerprintRow & { band_key: string }>(
    `SELECT b.band_key, f.document_id, f.minhash, f.threshold, f.cluster FROM document_bands b JOIN document_fingerprints f ON f.document_id = b.document_id
     WHERE b.collection_id = $1 AND b.band_key = ANY($2::bigint[]) AND NOT (f.document_id = ANY($3::bigint[]))`,
    [collectionId, allKeys, batch.map((item) => item.documentId)],
  );
  // Labels only ever move down to a smaller one: `relabel` chains them, `find` follows a chain to its end.
  const relabel = new Map<number, number>();
  const find = (label: number): number => {
    let at = label;
    for (let next = relabel.get(at); next !== undefined; next = relabel.get(at)) at = next;
    return at;
  };
  const storedByKey = new Map<string, { documentId: number; signature: Uint32Array; cluster: number }[]>();
  const signatures = new Map<number, Uint32Array>();
  for (const row of rows) {
    const id = Number(row.document_id);
    let signature = signatures.get(id);
    if (signature === undefined) {
      signature = signatureFromBytes(row.minhash);
      signatures.set(id, signature);
    }
    const list = storedByKey.get(String(row.band_key)) ?? [];
    list.push({ documentId: id, signature, cluster: Number(row.cluster) });
    storedByKey.set(String(row.band_key), list);
  }
  const batchByKey = new Map<string, typeof batch>();
  for (const item of batch) {
    const candidates = new Map<number, { signature: Uint32Array; cluster: () => number }>();
    for (const key of item.keys) {
      for (const stored of storedByKey.get(String(key)) ?? []) candidates.set(stored.documentId, { signature: stored.signature, cluster: () => find(stored.cluster) });
      for (const earlier of batchByKey.get(String(key)) ?? []) candidates.set(earlier.documentId, { signature: earlier.minhash, cluster: () => find(earlier.cluster) });
    }
    const merged = new Set<number>();
    for (const candidate of candidates.values()) if (estimatedJaccard(item.minhash, candidate.signature) >= item.threshold) merged.add(candidate.cluster());
    const cluster = Math.min(item.documentId, ...merged);
    for (const label of merged) if (label !== cluster) relabel.set(label, cluster);
    item.cluster = cluster;
    for (const key of item.keys) {
      const list = batchByKey.get(String(key)) ?? [];
      list.push(item);
      batchByKey.set(String(key), list);
    }
  }
  await client.query(
    `INSERT INTO document_fingerprints (document_id, collection_id, minhash, threshold, cluster)
     SELECT u.id, $1, u.minhash, u.threshold, u.cluster FROM unnest($2::bigint[], $3::bytea[], $4::float8[], $5::bigint[]) AS u(id, minhash, threshold, cluster)`,
    [collectionId, batch.map((item) => item.documentId), batch.map((item) => signatureToBytes(item.minhash)), batch.map((item) => item.threshold), batch.map((item) => find(item.cluster))],
  );
  await client.query('INSERT INTO document_bands (collection_id, band_key, document_id) SELECT $1, * FROM unnest($2::bigint[], $3::bigint[])', [
    collectionId,
    batch.flatMap((item) => item.keys),
    batch.flatMap((item) => item.keys.map(() => item.documentId)),
  ]);
  const moved = [...relabel.keys()].map((label) => [label, find(label)] as const);
  if (moved.length > 0) {
    await client.query('UPDATE document_fingerprints f SET cluster = u.next FROM unnest($2::bigint[], $3::bigint[]) AS u(old, next) WHERE f.collection_id = $1 AND f.cluster = u.old', [
      collectionId,
      moved.map(([label]) => label),
      moved.map(([, next]) => next),
    ]);
  }
}

export async function duplicatesOf(db: Queryable, collection: string, documentIds: number[]): Promise<Map<number, DuplicateMember[]>> {
  const out = new Map<number, DuplicateMember[]>();
  if (documentIds.length === 0) return out;
  const { rows } = await db.query<{ of: number; id: number; uri: string; relative_path: string; title: string }>(
    `SELECT mine.document_id AS of, d.id, d.uri, d.relative_path, d.title
     FROM document_fingerprints mine
     JOIN document_fingerprints f ON f.collection_id = mine.collection_id AND f.cluster = mine.cluster
     JOIN documents d ON d.id = f.document_id
     WHERE mine.collection_id = (SELECT id FROM collections WHERE name = $1) AND mine.document_id = ANY($2::bigint[])
     ORDER BY d.relative_path`,
    [collection, documentIds],
  );
  for (const row of rows) {
    const members = out.get(row.of) ?? [];
    members.push({ documentId: row.id, uri: row.uri, relativePath: row.relative_path, title: row.title });
    out.set(row.of, members);
  }
  for (const [id, members] of out) if (members.length < 2) out.delete(id);
  return out;
}

export async function listDuplicateClusters(db: Queryable, collection: string): Promise<DuplicateCluster[]> {
  const { rows } = await db.query<{ cluster: number; id: number; uri: string; relative_path: string; title: string }>(
    `WITH c AS (SELECT id FROM collections WHERE name = $1),
          multi AS (SELECT cluster FROM document_fingerprints WHERE collection_id = (SELECT id FROM c) GROUP BY cluster HAVING count(*) > 1)
     SELECT f.cluster, d.id, d.uri, d.relative_path, d.title FROM document_fingerprints f JOIN documents d ON d.id = f.document_id
     WHERE f.collection_id = (SELECT id FROM c) AND f.cluster IN (SELECT cluster FROM multi)
     ORDER BY f.cluster, d.relative_path`,
    [collection],
  );
  const clusters = new Map<number, DuplicateMember[]>();
  for (const row of rows) {
    const members = clusters.get(row.cluster) ?? [];
    members.push({ documentId: row.id, uri: row.uri, relativePath: row.relative_path, title: row.title });
    clusters.set(row.cluster, members);
  }
  return [...clusters].map(([cluster, members]) => ({ cluster, members })).sort((a, b) => b.members.length - a.members.length || a.cluster - b.cluster);
}
