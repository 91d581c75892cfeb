import type { Database, Statement } from 'better-sqlite3';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import { Bm25PostingsBuilder, type Bm25Postings, type CollectionSignature } from './bm25-postings.js';
import type { LexicalWeights } from './sqlite-lexical-index.js';

/** The statement reading a collection's signature: its chunk count and largest chunk id. */
export const SIGNATURE_SQL = `SELECT c.chunk_count, coalesce((SELECT max(k.id) FROM chunks k WHERE k.collection = c.name), 0)
  FROM collections c WHERE c.id = ?`;

/** `statement`: SIGNATURE_SQL prepared in raw mode (callers on a hot path keep it). */
export function readSignature(statement: Statement, collectionId: number): CollectionSignature | undefined {
  const row = statement.get(collectionId) as [number, number] | undefined;
  return row === undefined ? undefined : { chunkCount: row[0], maxChunkId: row[1] };
}

/**
 * Reads every chunk of a collection in one read transaction (so the postings and their signature
 * describe the same moment) and indexes what SqliteDocumentWriter gives FTS5: the analyzed title,
 * heading path and body. `analyzeForIndex` is the analyzer the store is opened with by openCairn; a
 * store opened with another analyzer must not use these postings (see MemoryLexicalIndex).
 * About 4 s per 100k chunks on one core, nearly all of it text analysis.
 */
export function buildBm25Postings(db: Database, collectionId: number, weights: LexicalWeights): Bm25Postings | undefined {
  const read = db.transaction((): Bm25Postings | undefined => {
    const signature = readSignature(db.prepare(SIGNATURE_SQL).raw(), collectionId);
    if (signature === undefined) return undefined;
    const builder = new Bm25PostingsBuilder(weights);
    const rows = db
      .prepare(
        `SELECT k.id, k.text, k.heading_path, d.title FROM chunks k JOIN documents d ON d.id = k.document_id
         WHERE k.collection = (SELECT name FROM collections WHERE id = ?) ORDER BY k.id`,
      )
      .raw()
      .iterate(collectionId) as Iterable<[number, string, string, string]>;
    let titleKey: string | undefined;
    let titleTerms = '';
    let headingKey: string | undefined;
    let headingTerms = '';
    for (const [id, text, headingPath, title] of rows) {
      if (title !== titleKey) {
        titleKey = title;
        titleTerms = analyzeForIndex(title);
      }
      if (headingPath !== headingKey) {
        headingKey = headingPath;
        headingTerms = analyzeForIndex((JSON.parse(headingPath) as string[]).join(' '));
      }
      builder.add(id, [titleTerms, headingTerms, analyzeForIndex(text)]);
    }
    return builder.build(signature);
  });
  return read.deferred();
}
