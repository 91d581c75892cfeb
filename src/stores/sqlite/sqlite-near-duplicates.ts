import type { Database, Statement } from 'better-sqlite3';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  signatureFromBytes,
  signatureToBytes,
  type Fingerprint,
} from '../../core/minhash.js';
import type { DuplicateCluster, DuplicateMember } from '../chunk-store.js';

interface FingerprintRow {
  document_id: number;
  minhash: Buffer;
  threshold: number;
  cluster: number;
}

/**
 * Near-duplicate clusters of the SQLite store (tables `document_fingerprints`, `document_bands`).
 * `record` and `forget` run inside the document writer's transaction, so a cluster always matches the
 * documents committed with it. Invariant: a cluster is a connected component of "estimated Jaccard ≥
 * threshold" among its members, named by its smallest member id. Adding a document merges the clusters
 * of every document it matches (LSH candidates, verified on the signatures); removing or changing one
 * re-splits what is left of its old cluster, which may fall apart into several.
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

  /** Drops the document's fingerprint and re-splits its former cluster. Call before the document row goes. */
  forget(collection: string, documentId: number): void {
    const row = this.#sql('SELECT cluster FROM document_fingerprints WHERE document_id = ?').get(documentId) as { cluster: number } | undefined;
    if (row === undefined) return;
    this.#sql('DELETE FROM document_bands WHERE document_id = ?').run(documentId);
    this.#sql('DELETE FROM document_fingerprints WHERE document_id = ?').run(documentId);
    this.#recluster(collection, row.cluster);
  }

  /** Fingerprints the document (after `forget` of its previous version) and merges the clusters it matches. */
  record(collection: string, documentId: number, minhash: Uint32Array, threshold: number): void {
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
    this.#sql('INSERT INTO document_fingerprints (document_id, collection, minhash, threshold, cluster) VALUES (?, ?, ?, ?, ?)').run(
      documentId, collection, signatureToBytes(minhash), threshold, cluster,
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
