import type pg from 'pg';
import type { Bm25Postings } from '../sqlite/bm25-postings.js';

/** In-memory postings of one collection and the `collections.write_generation` they were read at. */
export interface PostgresBm25Snapshot {
  postings: Bm25Postings;
  generation: number;
}

/** Stems read per round trip: each batch is one index-only range of `lexical_postings_pkey`. */
const TERMS_PER_BATCH = 4000;
/** Bytes per posting in the aggregate: int4 chunk id, float4 weighted frequency, int4 chunk length (big-endian). */
const POSTING_BYTES = 12;

/**
 * Reads a collection's BM25 postings from the tables the document writer keeps (`lexical_postings`,
 * `lexical_terms`, `collections`) into the layout MemoryBm25Index searches, so PostgreSQL and the
 * embedded store rank with one scoring code. Nothing is re-analysed: the stems, column-weighted
 * frequencies and lengths are the stored ones, which the SQL BM25 scores too.
 *
 * One `REPEATABLE READ` transaction on one pool client, so the postings and the generation describe
 * the same moment: the chunk ids (one bytea), then the postings in batches of TERMS_PER_BATCH stems,
 * each stem's postings packed server-side into one bytea (chunk id, frequency, length) so the client
 * decodes bytes rather than millions of rows. Each batch is its own statement, so the event loop
 * serves queries between batches. Chunk ids must fit in int32 (as Bm25Postings holds them).
 * Returns undefined when the collection is gone.
 */
export async function readPostgresBm25Postings(pool: pg.Pool, collectionId: number, signal?: AbortSignal): Promise<PostgresBm25Snapshot | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const head = await client.query<{ generation: number; chunk_count: number; postings: number; ids: Buffer | null }>(
      `SELECT c.write_generation AS generation, c.chunk_count,
         (SELECT coalesce(sum(t.documents), 0)::int8 FROM lexical_terms t WHERE t.collection_id = c.id) AS postings,
         (SELECT string_agg(int4send(k.id::int4), ''::bytea ORDER BY k.id) FROM chunks k WHERE k.collection_id = c.id) AS ids
       FROM collections c WHERE c.id = $1`,
      [collectionId],
    );
    const row = head.rows[0];
    if (row === undefined) return undefined;
    const chunkIds = decodeInt32s(row.ids);
    const documentOf = documentNumbers(chunkIds);
    const lengths = new Float32Array(chunkIds.length);
    let capacity = Math.max(1024, row.postings);
    let documents = new Int32Array(capacity);
    let frequencies = new Float32Array(capacity);
    const offsets: number[] = [0];
    const stems: string[] = [];
    let count = 0;
    let after = '';
    for (;;) {
      signal?.throwIfAborted();
      const batch = await client.query<{ term: string; packed: Buffer }>(
        `SELECT term, string_agg(int4send(chunk_id::int4) || float4send(frequency::float4) || int4send(length), ''::bytea ORDER BY chunk_id) AS packed
         FROM lexical_postings WHERE collection_id = $1 AND term > $2 GROUP BY term ORDER BY term LIMIT ${TERMS_PER_BATCH}`,
        [collectionId, after],
      );
      for (const { term, packed } of batch.rows) {
        const bytes = typeof packed === 'string' ? hexBytes(packed) : packed;
        const n = bytes.length / POSTING_BYTES;
        if (count + n > capacity) {
          capacity = Math.max(capacity * 2, count + n);
          documents = grow(documents, new Int32Array(capacity));
          frequencies = grow(frequencies, new Float32Array(capacity));
        }
        for (let i = 0, at = 0; i < n; i++, at += POSTING_BYTES) {
          const document = documentOf(bytes.readInt32BE(at));
          if (document < 0) continue; // a posting without its chunk row cannot be scored (never written so)
          documents[count] = document;
          frequencies[count] = bytes.readFloatBE(at + 4);
          lengths[document] = bytes.readInt32BE(at + 8);
          count++;
        }
        stems.push(term);
        offsets.push(count);
      }
      if (batch.rows.length < TERMS_PER_BATCH) break;
      after = (batch.rows[batch.rows.length - 1] as { term: string }).term;
    }
    await client.query('COMMIT');
    return {
      generation: row.generation,
      postings: {
        chunkIds,
        lengths,
        offsets: Int32Array.from(offsets),
        documents: count === capacity ? documents : documents.slice(0, count),
        frequencies: count === capacity ? frequencies : frequencies.slice(0, count),
        terms: stems.join('\n'),
        chunkCount: row.chunk_count,
        maxChunkId: chunkIds.length === 0 ? 0 : (chunkIds[chunkIds.length - 1] as number),
      },
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** bytea arrives in PostgreSQL's hex text form (`\x…`) unless a parser turned it into a Buffer. */
function hexBytes(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

function decodeInt32s(value: Buffer | string | null): Int32Array {
  if (value === null) return new Int32Array(0);
  const bytes = typeof value === 'string' ? hexBytes(value) : value;
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt32BE(i * 4);
  return out;
}

/**
 * Chunk id → document number (its index in the ascending `chunkIds`), −1 when absent: a direct table
 * when the ids are dense enough (ids are global, so a collection's are interleaved with others'),
 * else a binary search.
 */
function documentNumbers(chunkIds: Int32Array): (chunkId: number) => number {
  if (chunkIds.length === 0) return () => -1;
  const first = chunkIds[0] as number;
  const span = (chunkIds[chunkIds.length - 1] as number) - first + 1;
  if (span <= chunkIds.length * 16 + 1024) {
    const table = new Int32Array(span).fill(-1);
    for (let i = 0; i < chunkIds.length; i++) table[(chunkIds[i] as number) - first] = i;
    return (chunkId) => {
      const at = chunkId - first;
      return at >= 0 && at < span ? (table[at] as number) : -1;
    };
  }
  return (chunkId) => {
    let low = 0;
    let high = chunkIds.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = chunkIds[middle] as number;
      if (value === chunkId) return middle;
      if (value < chunkId) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  };
}

function grow<T extends Int32Array | Float32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
