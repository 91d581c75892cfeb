import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { analyzeForIndex } from '../../../src/models/tokenize/lexical-analyzer.js';
import type { DocumentWrite } from '../../../src/stores/chunk-store.js';
import { openSqliteStore } from '../../../src/stores/sqlite/open-sqlite-store.js';

/** Relative path of generated document `index` (0-based): 100 shelves, zero-padded six-digit numbers. */
export function generatedPath(index: number): string {
  return `shelf-${String(index % 100).padStart(2, '0')}/note-${String(index).padStart(6, '0')}.md`;
}

/**
 * Writes `count` small one-chunk Markdown documents into collection `collection` of the store at
 * `<home>/cairn.db` (lexical-only, embedder `none`), through the store's batch write, in
 * transactions of `batchSize`. Much faster than ingesting files; the rows are the same shape.
 */
export async function fillDocuments(home: string, collection: string, count: number, batchSize = 5_000): Promise<void> {
  const store = await openSqliteStore({ path: join(home, 'cairn.db'), lexicalAnalyzer: analyzeForIndex });
  try {
    await store.chunks.createCollection(collection, { embedder: 'none', dimensions: 0, chunkSize: 256, chunkOverlap: 0 });
    const writeMany = store.chunks.writeDocuments?.bind(store.chunks);
    const modifiedMs = Date.UTC(2026, 0, 1);
    for (let start = 0; start < count; start += batchSize) {
      const batch: DocumentWrite[] = [];
      for (let index = start; index < Math.min(count, start + batchSize); index += 1) {
        const relativePath = generatedPath(index);
        const text = `Note ${index} on shelf ${index % 100}: a short generated document for the list benchmark.`;
        const hash = createHash('sha256').update(text).digest('hex');
        batch.push({
          collection,
          uri: `file:///generated/${relativePath}`,
          relativePath,
          sourceRoot: '/generated',
          title: `Note ${index}`,
          format: 'markdown',
          contentHash: hash,
          sizeBytes: text.length,
          modifiedMs: modifiedMs + index,
          tags: [],
          metadata: {},
          chunks: [{ ordinal: 0, text, headingPath: [], tokenCount: 20, contentHash: hash, vector: null }],
        });
      }
      if (writeMany) await writeMany(batch);
      else for (const document of batch) await store.chunks.writeDocument(document);
    }
  } finally {
    await store.close();
  }
}
