import type { Database, Statement } from 'better-sqlite3';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  sameSignature,
  signatureFromBytes,
  signatureToBytes,
  signatureWithout,
  commonShingles,
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
 * Boilerplate (decision 0038): a signature leaves out the collection's boilerplate, the shingles found in
 * `boilerplateDf` fingerprinted documents or more. Writes sign with the boilerplate of the last settling
 * (cached per collection, by its generation) and mark the collection stale; `settle` (end of each ingest
 * run) counts the shingles of all fingerprints again, stores the new boilerplate, and re-signs and
 * re-clusters the documents whose signature changed. Counting per write instead (an upsert per shingle)
 * cost more than the ingest itself (docs/benchmarks.md).
 */
export class SqliteNearDuplicates {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();
  readonly #boilerplate = new Map<number, { generation: number; shingles: Set<number> }>();

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

  #collectionId(collection: string): number | undefined {
    return this.#sql('SELECT id FROM collections WHERE name = ?').pluck().get(collection) as number | undefined;
  }

  /** Drops a deleted collection's boilerplate and state (its fingerprints go with its documents). */
  forgetCollection(collectionId: number): void {
    this.#sql('DELETE FROM shingle_df WHERE collection_id = ?').run(collectionId);
    this.#sql('DELETE FROM near_duplicate_state WHERE collection_id = ?').run(collectionId);
    this.#boilerplate.delete(collectionId);
  }

  /** Drops the document's fingerprint and re-splits its former cluster. Call before the document row goes. */
  forget(collection: string, documentId: number): void {
    const row = this.#sql('SELECT cluster, shingles IS NOT NULL AS counted FROM document_fingerprints WHERE document_id = ?').get(documentId) as
      | { cluster: number; counted: number }
      | undefined;
    if (row === undefined) return;
    this.#drop(collection, documentId, row.cluster);
    // Its shingles no longer count: some may fall under the bound.
    if (row.counted === 1) this.#sql('UPDATE near_duplicate_state SET stale = 1 WHERE collection_id = ?').run(this.#collectionId(collection));
  }

  /** Fingerprints the document (after `forget` of its previous version), signed without the known boilerplate, and merges the clusters it matches. */
  record(collection: string, documentId: number, fingerprint: FingerprintInput): void {
    if (fingerprint.shingles.length === 0) return;
    const collectionId = this.#collectionId(collection)!;
    const state = this.#sql('SELECT boilerplate_df, generation FROM near_duplicate_state WHERE collection_id = ?').get(collectionId) as
      | { boilerplate_df: number; generation: number }
      | undefined;
    const boilerplate = fingerprint.boilerplateDf > 1 && state !== undefined && state.boilerplate_df === fingerprint.boilerplateDf ? this.#boilerplateOf(collectionId, state.generation) : new Set<number>();
    this.#sql(
      `INSERT INTO near_duplicate_state (collection_id, boilerplate_df, stale, generation) VALUES (?, ?, 1, 0)
       ON CONFLICT (collection_id) DO UPDATE SET stale = 1`,
    ).run(collectionId, fingerprint.boilerplateDf);
    this.#insert(collection, documentId, signatureWithout(fingerprint.shingles, boilerplate)!, fingerprint.shingles, fingerprint.threshold);
  }

  #boilerplateOf(collectionId: number, generation: number): Set<number> {
    const cached = this.#boilerplate.get(collectionId);
    if (cached !== undefined && cached.generation === generation) return cached.shingles;
    const shingles = new Set(this.#sql('SELECT shingle FROM shingle_df WHERE collection_id = ?').pluck().all(collectionId) as number[]);
    this.#boilerplate.set(collectionId, { generation, shingles });
    return shingles;
  }

  /**
   * When the collection is stale or was settled with another bound: counts the shingles of every
   * fingerprint, stores those at `boilerplateDf` or more as the boilerplate, and re-signs and re-clusters
   * every document whose signature changed; one transaction (the caller's). Returns their number.
   */
  settle(collection: string, boilerplateDf: number): number {
    const collectionId = this.#collectionId(collection);
    if (collectionId === undefined) return 0;
    const state = this.#sql('SELECT boilerplate_df, stale, generation FROM near_duplicate_state WHERE collection_id = ?').get(collectionId) as
      | { boilerplate_df: number; stale: number; generation: number }
      | undefined;
    if (state === undefined || (state.stale === 0 && state.boilerplate_df === boilerplateDf)) return 0;
    const rows = this.#sql('SELECT document_id, minhash, shingles, threshold FROM document_fingerprints WHERE collection = ? AND shingles IS NOT NULL').all(
      collection,
    ) as (Omit<FingerprintRow, 'cluster'> & { shingles: Buffer })[];
    const sets = rows.map((row) => signatureFromBytes(row.shingles));
    const common = boilerplateDf > 1 ? commonShingles(sets, boilerplateDf) : new Map<number, number>();
    const boilerplate = new Set(common.keys());
    const changed: { documentId: number; threshold: number; minhash: Uint32Array; shingles: Uint32Array }[] = [];
    for (const [index, row] of rows.entries()) {
      const minhash = signatureWithout(sets[index]!, boilerplate)!;
      if (!sameSignature(minhash, signatureFromBytes(row.minhash))) changed.push({ documentId: row.document_id, threshold: row.threshold, minhash, shingles: sets[index]! });
    }
    // All changed documents leave first, so the re-splits and merges only ever compare current signatures.
    for (const { documentId } of changed) {
      const cluster = this.#sql('SELECT cluster FROM document_fingerprints WHERE document_id = ?').pluck().get(documentId) as number;
      this.#drop(collection, documentId, cluster);
    }
    for (const { documentId, minhash, shingles, threshold } of changed) this.#insert(collection, documentId, minhash, shingles, threshold);
    this.#sql('DELETE FROM shingle_df WHERE collection_id = ?').run(collectionId);
    const insert = this.#sql(`INSERT INTO shingle_df (collection_id, shingle, df) SELECT ?, json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)`);
    const entries = [...common];
    for (let at = 0; at < entries.length; at += 10_000) insert.run(collectionId, JSON.stringify(entries.slice(at, at + 10_000)));
    const generation = state.generation + 1;
    this.#sql('UPDATE near_duplicate_state SET boilerplate_df = ?, stale = 0, generation = ? WHERE collection_id = ?').run(boilerplateDf, generation, collectionId);
    this.#boilerplate.set(collectionId, { generation, shingles: boilerplate });
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
