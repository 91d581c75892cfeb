import { join } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { analyzeForIndex } from '../../models/tokenize/lexical-analyzer.js';
import type { StoreBackend, StoreBackendOptions } from '../store-backend.js';
import { DEFAULT_MAX_SCORED_POSTINGS } from './memory-lexical-index.js';
import { openSqliteStore } from './open-sqlite-store.js';

/** FTS5's budget while the in-memory postings build (search.lexicalMaxScoredRows unset). */
const FTS5_MAX_SCORED_ROWS = 2000;

/**
 * The embedded backend from the configuration: one SQLite file (`store.path`, default
 * `<home>/cairn.db`) holding every store, FTS5 for lexical search, HNSW graphs in `vectors/` beside it
 * (`vectorIndex.*`), and the in-memory BM25 postings when `search.lexicalAccelerator` asks for them.
 */
export async function createSqliteBackend(config: CairnConfig, options: StoreBackendOptions = {}): Promise<StoreBackend> {
  const accelerator = config.search.lexicalAccelerator;
  const postings = accelerator === 'on' || (accelerator === 'auto' && options.longRunning === true);
  return openSqliteStore({
    path: config.store.path ?? join(config.home, 'cairn.db'),
    lexicalAnalyzer: analyzeForIndex,
    hnsw: { m: config.vectorIndex.m, efConstruction: config.vectorIndex.efConstruction, efSearch: config.vectorIndex.efSearch },
    exactFilterLimit: config.vectorIndex.exactFilterLimit,
    snapshotEveryChunks: config.vectorIndex.snapshotEveryChunks,
    lexical: { maxScoredRows: config.search.lexicalMaxScoredRows ?? (postings ? FTS5_MAX_SCORED_ROWS : DEFAULT_MAX_SCORED_POSTINGS) },
    lexicalAccelerator: postings,
    ...(options.vectorIndex === undefined ? {} : { vectorIndex: options.vectorIndex }),
  });
}
