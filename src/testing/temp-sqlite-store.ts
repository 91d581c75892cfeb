import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeForIndex } from '../models/tokenize/lexical-analyzer.js';
import { openSqliteStore, type SqliteStore } from '../stores/sqlite/open-sqlite-store.js';

export interface TempSqliteStore {
  store: SqliteStore;
  /** The database file. */
  path: string;
  /** Closes the store and removes its directory. */
  close(): Promise<void>;
}

/** A fresh SQLite store (analyzeForIndex) in a temporary directory of its own: the contract suites' SQLite factory. */
export async function openTempSqliteStore(): Promise<TempSqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-store-'));
  const path = join(dir, 'cairn.db');
  const store = await openSqliteStore({ path, lexicalAnalyzer: analyzeForIndex });
  return {
    store,
    path,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
