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

export async function recordFingerprint(client: pg.PoolClient, collectionId: number, documentId: number, minhash: Uint32Array, threshold: number): Promise<void> {
  const keys = lshBandKeys(minhash);
  const { rows } = await client.query<FingerprintRow>(
    `SELECT document_id, minhash, threshold, cluster FROM document_fingerprints
     WHERE document_id IN (SELECT document_id FROM document_bands WHERE collection_id = $1 AND band_key = ANY($2::bigint[])) AND document_id <> $3`,
    [collectionId, keys, documentId],
  );
  const merged = new Set<number>();
  for (const row of rows) if (estimatedJaccard(minhash, signatureFromBytes(row.minhash)) >= threshold) merged.add(row.cluster);
  const cluster = Math.min(documentId, ...merged);
  await client.query('INSERT INTO document_fingerprints (document_id, collection_id, minhash, threshold, cluster) VALUES ($1, $2, $3, $4, $5)', [
    documentId, collectionId, signatureToBytes(minhash), threshold, cluster,
  ]);
  await client.query('INSERT INTO document_bands (collection_id, band_key, document_id) SELECT $1, k, $3 FROM unnest($2::bigint[]) AS k', [collectionId, keys, documentId]);
  if (merged.size > 0) {
    await client.query('UPDATE document_fingerprints SET cluster = $1 WHERE collection_id = $2 AND cluster = ANY($3::bigint[])', [cluster, collectionId, [...merged]]);
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
