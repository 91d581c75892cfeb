import type { Database, Statement } from 'better-sqlite3';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  sameSignature,
  signatureFromBytes,
  signatureToBytes,
  signatureWithout,
  type Fingerprint,
} from '../../core/minhash.js';
import type { DuplicateCluster, DuplicateMember, FingerprintInput } from '../chunk-store.js';

interface FingerprintRow {
  document_id: number;
  minhash: Buffer;
  threshold: number;
  cluster: number;
}

/**
 * Near-duplicate clusters of the SQLite store (tables `document_fingerprints`, `document_bands`,
 * `shingle_df`, `near_duplicate_state`). `record` and `forget` run inside the document writer's
 * transaction, so a cluster always matches the documents committed with it. Invariant: a cluster is a
 * connected component of "estimated Jaccard ≥ threshold" among its members, named by its smallest member
 * id. Adding a document merges the clusters of every document it matches (LSH candidates, verified on the
 * signatures); removing or changing one re-splits what is left of its old cluster, which may fall apart.
 *
 * Boilerplate (decision 0038): `shingle_df` counts the fingerprinted documents holding each shingle; a
 * document's signature leaves out the shingles at `boilerplateDf` or more, counted with itself. A shingle
 * that crosses the bound changes the signature of the documents fingerprinted before; that marks the
 * collection stale and `settle` (end of each ingest run) re-fingerprints the documents concerned.
 */
export class SqliteNearDuplicates {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  #sql(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #collectionId(collection: string): number {
    return this.#sql('SELECT id FROM collections WHERE name = ?').pluck().get(collection) as number;
  }

  /** Drops a deleted collection's shingle counts and state (its fingerprints go with its documents). */
  forgetCollection(collectionId: number): void {
    this.#sql('DELETE FROM shingle_df WHERE collection_id = ?').run(collectionId);
    this.#sql('DELETE FROM near_duplicate_state WHERE collection_id = ?').run(collectionId);
  }

  /** Drops the document's fingerprint and its shingles' counts, and re-splits its former cluster. Call before the document row goes. */
  forget(collection: string, documentId: number): void {
    const row = this.#sql('SELECT cluster, shingles FROM document_fingerprints WHERE document_id = ?').get(documentId) as { cluster: number; shingles: Buffer | null } | undefined;
    if (row === undefined) return;
    this.#drop(collection, documentId, row.cluster);
    if (row.shingles === null) return;
    const collectionId = this.#collectionId(collection);
    const shingles = JSON.stringify(Array.from(signatureFromBytes(row.shingles)));
    this.#sql('UPDATE shingle_df SET df = df - 1 WHERE collection_id = ? AND shingle IN (SELECT value FROM json_each(?))').run(collectionId, shingles);
    // A shingle back under the bound is no longer boilerplate for the documents still holding it.
    this.#sql(
      `UPDATE near_duplicate_state SET stale = 1 WHERE collection_id = ? AND stale = 0 AND boilerplate_df > 1 AND EXISTS
       (SELECT 1 FROM shingle_df s WHERE s.collection_id = near_duplicate_state.collection_id AND s.shingle IN (SELECT value FROM json_each(?)) AND s.df = near_duplicate_state.boilerplate_df - 1)`,
    ).run(collectionId, shingles);
    this.#sql('DELETE FROM shingle_df WHERE collection_id = ? AND shingle IN (SELECT value FROM json_each(?)) AND df <= 0').run(collectionId, shingles);
  }

  /** Fingerprints the document (after `forget` of its previous version): counts its shingles, then merges the clusters it matches. */
  record(collection: string, documentId: number, fingerprint: FingerprintInput): void {
    if (fingerprint.shingles.length === 0) return;
    const collectionId = this.#collectionId(collection);
    const shingles = JSON.stringify(Array.from(fingerprint.shingles));
    this.#sql(
      `INSERT INTO shingle_df (collection_id, shingle, df) SELECT ?, value, 1 FROM json_each(?) WHERE true
       ON CONFLICT (collection_id, shingle) DO UPDATE SET df = df + 1`,
    ).run(collectionId, shingles);
    const bound = fingerprint.boilerplateDf;
    let boilerplate = new Set<number>();
    let crossed = false;
    if (bound > 1) {
      const common = this.#sql('SELECT shingle, df FROM shingle_df WHERE collection_id = ? AND shingle IN (SELECT value FROM json_each(?)) AND df >= ?').raw().all(
        collectionId, shingles, bound,
      ) as [number, number][];
      boilerplate = new Set(common.map(([shingle]) => shingle));
      // Exactly at the bound: it just became boilerplate, and the documents counted before did not leave it out.
      crossed = common.some(([, df]) => df === bound);
    }
    this.#sql(
      `INSERT INTO near_duplicate_state (collection_id, boilerplate_df, stale) VALUES (?, ?, ?)
       ON CONFLICT (collection_id) DO UPDATE SET stale = max(stale, excluded.stale, boilerplate_df <> excluded.boilerplate_df)`,
    ).run(collectionId, bound, crossed ? 1 : 0);
    const minhash = signatureWithout(fingerprint.shingles, boilerplate)!;
    this.#insert(collection, documentId, minhash, fingerprint.shingles, fingerprint.threshold);
  }

  /**
   * Re-fingerprints, with the boilerplate of `boilerplateDf` as the counts stand now, every document whose
   * stored signature differs, when the collection is stale or was settled with another bound; one
   * transaction. Returns the number of documents re-fingerprinted.
   */
  settle(collection: string, boilerplateDf: number): number {
    const collectionId = this.#collectionId(collection) as number | undefined;
    if (collectionId === undefined) return 0;
    const state = this.#sql('SELECT boilerplate_df, stale FROM near_duplicate_state WHERE collection_id = ?').get(collectionId) as
      | { boilerplate_df: number; stale: number }
      | undefined;
    if (state === undefined || (state.stale === 0 && state.boilerplate_df === boilerplateDf)) return 0;
    const boilerplate = new Set(
      boilerplateDf > 1
        ? (this.#sql('SELECT shingle FROM shingle_df WHERE collection_id = ? AND df >= ?').pluck().all(collectionId, boilerplateDf) as number[])
        : [],
    );
    const rows = this.#sql('SELECT document_id, minhash, shingles, threshold, cluster FROM document_fingerprints WHERE collection = ? AND shingles IS NOT NULL').all(
      collection,
    ) as (FingerprintRow & { shingles: Buffer })[];
    const changed: { row: FingerprintRow; minhash: Uint32Array; shingles: Uint32Array }[] = [];
    for (const row of rows) {
      const shingles = signatureFromBytes(row.shingles);
      const minhash = signatureWithout(shingles, boilerplate)!;
      if (!sameSignature(minhash, signatureFromBytes(row.minhash))) changed.push({ row, minhash, shingles });
    }
    // All changed documents leave first, so the re-splits and merges only ever compare current signatures.
    for (const { row } of changed) {
      const cluster = this.#sql('SELECT cluster FROM document_fingerprints WHERE document_id = ?').pluck().get(row.document_id) as number;
      this.#drop(collection, row.document_id, cluster);
    }
    for (const { row, minhash, shingles } of changed) this.#insert(collection, row.document_id, minhash, shingles, row.threshold);
    this.#sql('UPDATE near_duplicate_state SET boilerplate_df = ?, stale = 0 WHERE collection_id = ?').run(boilerplateDf, collectionId);
    // Clusters shape collapsed results: cached responses must not outlive them.
    if (changed.length > 0) this.#sql('UPDATE collections SET write_generation = write_generation + 1 WHERE id = ?').run(collectionId);
    return changed.length;
  }

  /** Removes a fingerprint and its bands, then re-splits what is left of its cluster. */
  #drop(collection: string, documentId: number, cluster: number): void {
    this.#sql('DELETE FROM document_bands WHERE document_id = ?').run(documentId);
    this.#sql('DELETE FROM document_fingerprints WHERE document_id = ?').run(documentId);
    this.#recluster(collection, cluster);
  }

  /** Stores a fingerprint and its bands and merges the clusters of the documents it matches. */
  #insert(collection: string, documentId: number, minhash: Uint32Array, shingles: Uint32Array, threshold: number): void {
    const keys = lshBandKeys(minhash);
    const candidates = this.#sql(
      `SELECT f.document_id, f.minhash, f.threshold, f.cluster FROM document_fingerprints f
       WHERE f.document_id IN (SELECT DISTINCT document_id FROM document_bands WHERE collection = ? AND band_key IN (SELECT value FROM json_each(?)))`,
    ).all(collection, JSON.stringify(keys)) as FingerprintRow[];
    const merged = new Set<number>();
    for (const candidate of candidates) {
      if (candidate.document_id === documentId) continue;
      if (estimatedJaccard(minhash, signatureFromBytes(candidate.minhash)) >= threshold) merged.add(candidate.cluster);
    }
    const cluster = Math.min(documentId, ...merged);
    this.#sql('INSERT INTO document_fingerprints (document_id, collection, minhash, shingles, threshold, cluster) VALUES (?, ?, ?, ?, ?, ?)').run(
      documentId, collection, signatureToBytes(minhash), signatureToBytes(shingles), threshold, cluster,
    );
    const band = this.#sql('INSERT INTO document_bands (collection, band_key, document_id) VALUES (?, ?, ?)');
    for (const key of keys) band.run(collection, key, documentId);
    if (merged.size > 0) {
      this.#sql('UPDATE document_fingerprints SET cluster = ? WHERE collection = ? AND cluster IN (SELECT value FROM json_each(?))').run(
        cluster, collection, JSON.stringify([...merged]),
      );
    }
  }

  /** Splits what is left of a cluster into its connected components (with the strictest threshold its members were written with). */
  #recluster(collection: string, cluster: number): void {
    const rows = this.#sql('SELECT document_id, minhash, threshold, cluster FROM document_fingerprints WHERE collection = ? AND cluster = ?').all(
      collection, cluster,
    ) as FingerprintRow[];
    if (rows.length === 0) return;
    const members: Fingerprint[] = rows.map((row) => ({ documentId: row.document_id, signature: signatureFromBytes(row.minhash) }));
    const threshold = Math.max(...rows.map((row) => row.threshold));
    const update = this.#sql('UPDATE document_fingerprints SET cluster = ? WHERE document_id = ?');
    for (const [documentId, next] of clusterFingerprints(members, threshold)) {
      if (next !== cluster) update.run(next, documentId);
    }
  }

  duplicatesOf(collection: string, documentIds: number[]): Map<number, DuplicateMember[]> {
    const out = new Map<number, DuplicateMember[]>();
    if (documentIds.length === 0) return out;
    const rows = this.#sql(
      `SELECT mine.document_id AS of, d.id, d.uri, d.relative_path, d.title
       FROM document_fingerprints mine
       JOIN document_fingerprints f ON f.collection = mine.collection AND f.cluster = mine.cluster
       JOIN documents d ON d.id = f.document_id
       WHERE mine.collection = ? AND mine.document_id IN (SELECT value FROM json_each(?))
       ORDER BY d.relative_path`,
    ).all(collection, JSON.stringify(documentIds)) as { of: number; id: number; uri: string; relative_path: string; title: string }[];
    for (const row of rows) {
      const members = out.get(row.of) ?? [];
      members.push({ documentId: row.id, uri: row.uri, relativePath: row.relative_path, title: row.title });
      out.set(row.of, members);
    }
    for (const [id, members] of out) if (members.length < 2) out.delete(id);
    return out;
  }

  listClusters(collection: string): DuplicateCluster[] {
    const rows = this.#sql(
      `SELECT f.cluster, d.id, d.uri, d.relative_path, d.title FROM document_fingerprints f JOIN documents d ON d.id = f.document_id
       WHERE f.collection = ? AND f.cluster IN (SELECT cluster FROM document_fingerprints WHERE collection = ? GROUP BY cluster HAVING count(*) > 1)
       ORDER BY f.cluster, d.relative_path`,
    ).all(collection, collection) as { cluster: number; id: number; uri: string; relative_path: string; title: string }[];
    const clusters = new Map<number, DuplicateMember[]>();
    for (const row of rows) {
      const members = clusters.get(row.cluster) ?? [];
      members.push({ documentId: row.id, uri: row.uri, relativePath: row.relative_path, title: row.title });
      clusters.set(row.cluster, members);
    }
    return [...clusters].map(([cluster, members]) => ({ cluster, members })).sort((a, b) => b.members.length - a.members.length || a.cluster - b.cluster);
  }
}
