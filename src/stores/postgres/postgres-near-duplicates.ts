import type pg from 'pg';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  sameSignature,
  signatureFromBytes,
  signatureToBytes,
  signatureWithout,
  commonShingles,
} from '../../core/minhash.js';
import type { DuplicateCluster, DuplicateMember, FingerprintInput } from '../chunk-store.js';

interface FingerprintRow {
  document_id: number;
  minhash: Buffer;
  threshold: number;
  cluster: number;
}

type Queryable = pg.Pool | pg.PoolClient;

/** Shingle hashes are uint32; the `integer` column holds them as the int32 of the same bits. */
const toInt32 = (shingles: Uint32Array): Int32Array => new Int32Array(shingles.buffer, shingles.byteOffset, shingles.length);

/**
 * Near-duplicate clusters on PostgreSQL: the same tables, invariant and steps as the SQLite store's
 * (sqlite-near-duplicates.ts), boilerplate and settling included. `forget` and `record` run in the
 * writer's transaction, which holds the collection's row lock (lockCollections), so two writers never
 * cluster one collection at once.
 */
export async function forgetFingerprint(client: pg.PoolClient, collectionId: number, documentId: number): Promise<void> {
  const { rows } = await client.query<{ cluster: number; counted: boolean }>(
    'SELECT cluster, shingles IS NOT NULL AS counted FROM document_fingerprints WHERE document_id = $1',
    [documentId],
  );
  if (rows[0] === undefined) return;
  await dropFingerprint(client, collectionId, documentId, Number(rows[0].cluster));
  // Its shingles no longer count: some may fall under the bound.
  if (rows[0].counted) await client.query('UPDATE near_duplicate_state SET stale = true WHERE collection_id = $1', [collectionId]);
}

/** Removes a fingerprint and its bands, then re-splits what is left of its cluster. */
async function dropFingerprint(client: pg.PoolClient, collectionId: number, documentId: number, cluster: number): Promise<void> {
  await client.query('DELETE FROM document_fingerprints WHERE document_id = $1', [documentId]);
  await client.query('DELETE FROM document_bands WHERE document_id = $1', [documentId]);
  const left = await client.query<FingerprintRow>(
    'SELECT document_id, minhash, threshold, cluster FROM document_fingerprints WHERE collection_id = $1 AND cluster = $2',
    [collectionId, cluster],
  );
  if (left.rows.length === 0) return;
  const threshold = Math.max(...left.rows.map((row) => row.threshold));
  const next = clusterFingerprints(left.rows.map((row) => ({ documentId: Number(row.document_id), signature: signatureFromBytes(row.minhash) })), threshold);
  const changed = [...next].filter(([, label]) => label !== cluster);
  if (changed.length > 0) {
    await client.query('UPDATE document_fingerprints f SET cluster = u.cluster FROM unnest($1::bigint[], $2::bigint[]) AS u(id, cluster) WHERE f.document_id = u.id', [
      changed.map(([id]) => id),
      changed.map(([, label]) => label),
    ]);
  }
}

/** One document's fingerprint for `recordFingerprints`. */
export interface FingerprintWrite extends FingerprintInput {
  documentId: number;
}

/** Each collection's boilerplate as of its last settling, by `near_duplicate_state.generation`; one per store. */
export type BoilerplateCache = Map<number, { generation: number; shingles: Set<number> }>;

/**
 * Records a batch of one collection's documents' fingerprints, each signed without the boilerplate of the
 * last settling (read once per settling into `cache`), and marks the collection stale (`settleFingerprints`
 * counts again at the end of the run); then clusters them (`insertClustered`).
 */
export async function recordFingerprints(client: pg.PoolClient, collectionId: number, writes: readonly FingerprintWrite[], cache: BoilerplateCache): Promise<void> {
  const last = new Map<number, FingerprintWrite>();
  for (const write of writes) {
    if (write.shingles.length === 0) continue;
    last.delete(write.documentId);
    last.set(write.documentId, write);
  }
  if (last.size === 0) return;
  const bound = Math.max(...[...last.values()].map((write) => write.boilerplateDf));
  const { rows } = await client.query<{ boilerplate_df: number; generation: number }>(
    `INSERT INTO near_duplicate_state (collection_id, boilerplate_df, stale, generation) VALUES ($1, $2, true, 0)
     ON CONFLICT (collection_id) DO UPDATE SET stale = true
     RETURNING boilerplate_df, generation`,
    [collectionId, bound],
  );
  const state = rows[0]!;
  let boilerplate = new Set<number>();
  if (bound > 1 && state.boilerplate_df === bound) {
    const cached = cache.get(collectionId);
    if (cached !== undefined && cached.generation === Number(state.generation)) boilerplate = cached.shingles;
    else {
      const common = await client.query<{ shingle: number }>('SELECT shingle FROM shingle_df WHERE collection_id = $1', [collectionId]);
      boilerplate = new Set(common.rows.map((row) => row.shingle >>> 0));
      cache.set(collectionId, { generation: Number(state.generation), shingles: boilerplate });
    }
  }
  await insertClustered(client, collectionId, [...last.values()].map((write) => ({
    documentId: write.documentId,
    minhash: signatureWithout(write.shingles, write.boilerplateDf === bound ? boilerplate : new Set<number>())!,
    shingles: write.shingles,
    threshold: write.threshold,
  })));
}

interface SignedFingerprint {
  documentId: number;
  minhash: Uint32Array;
  shingles: Uint32Array;
  threshold: number;
}

/**
 * Stores signed fingerprints and clusters them, in four statements whatever the batch's size: the stored
 * fingerprints sharing a band with any of them, then the batch's fingerprints, bands and the relabelled
 * clusters. The result equals recording them one by one in this order: each document joins the clusters
 * of the earlier ones (stored or in the batch) it resembles, and merged clusters take the smallest label
 * (the SQLite store's steps, sqlite-near-duplicates.ts).
 */
async function insertClustered(client: pg.PoolClient, collectionId: number, signed: readonly SignedFingerprint[]): Promise<void> {
  const batch = signed.map((write) => ({ ...write, keys: lshBandKeys(write.minhash), cluster: write.documentId }));
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
    `INSERT INTO document_fingerprints (document_id, collection_id, minhash, shingles, threshold, cluster)
     SELECT u.id, $1, u.minhash, u.shingles, u.threshold, u.cluster FROM unnest($2::bigint[], $3::bytea[], $4::bytea[], $5::float8[], $6::bigint[]) AS u(id, minhash, shingles, threshold, cluster)`,
    [
      collectionId, batch.map((item) => item.documentId), batch.map((item) => signatureToBytes(item.minhash)), batch.map((item) => signatureToBytes(item.shingles)),
      batch.map((item) => item.threshold), batch.map((item) => find(item.cluster)),
    ],
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

/**
 * The PostgreSQL side of ChunkStore.settleNearDuplicates, in the caller's transaction holding the
 * collection's row lock: as the SQLite store's `settle`.
 */
export async function settleFingerprints(client: pg.PoolClient, collectionId: number, boilerplateDf: number, cache: BoilerplateCache): Promise<number> {
  const state = await client.query<{ boilerplate_df: number; stale: boolean; generation: number }>(
    'SELECT boilerplate_df, stale, generation FROM near_duplicate_state WHERE collection_id = $1',
    [collectionId],
  );
  const current = state.rows[0];
  if (current === undefined || (!current.stale && current.boilerplate_df === boilerplateDf)) return 0;
  const { rows } = await client.query<Omit<FingerprintRow, 'cluster'> & { shingles: Buffer }>(
    'SELECT document_id, minhash, shingles, threshold FROM document_fingerprints WHERE collection_id = $1 AND shingles IS NOT NULL',
    [collectionId],
  );
  const sets = rows.map((row) => signatureFromBytes(row.shingles));
  const common = boilerplateDf > 1 ? commonShingles(sets, boilerplateDf) : new Map<number, number>();
  const boilerplate = new Set(common.keys());
  const changed: SignedFingerprint[] = [];
  for (const [index, row] of rows.entries()) {
    const minhash = signatureWithout(sets[index]!, boilerplate)!;
    if (!sameSignature(minhash, signatureFromBytes(row.minhash))) changed.push({ documentId: Number(row.document_id), minhash, shingles: sets[index]!, threshold: row.threshold });
  }
  // All changed documents leave first, so the re-splits and merges only ever compare current signatures.
  for (const { documentId } of changed) {
    const cluster = await client.query<{ cluster: number }>('SELECT cluster FROM document_fingerprints WHERE document_id = $1', [documentId]);
    await dropFingerprint(client, collectionId, documentId, Number(cluster.rows[0]!.cluster));
  }
  await insertClustered(client, collectionId, changed);
  await client.query('DELETE FROM shingle_df WHERE collection_id = $1', [collectionId]);
  if (common.size > 0) {
    const shingles = toInt32(Uint32Array.from(common.keys()));
    await client.query('INSERT INTO shingle_df (collection_id, shingle, df) SELECT $1, * FROM unnest($2::int[], $3::int[])', [
      collectionId, Array.from(shingles), [...common.values()],
    ]);
  }
  const generation = Number(current.generation) + 1;
  await client.query('UPDATE near_duplicate_state SET boilerplate_df = $2, stale = false, generation = $3 WHERE collection_id = $1', [collectionId, boilerplateDf, generation]);
  cache.set(collectionId, { generation, shingles: boilerplate });
  return changed.length;
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
