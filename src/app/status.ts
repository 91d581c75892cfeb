import { statSync } from 'node:fs';
import { DEFAULT_EMBEDDER } from '../config/config-schema.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { CairnApp } from './cairn-app.js';

export interface StatusReport {
  version: string;
  home: string;
  store: { kind: string; location: string; bytes: number };
  defaultEmbedder: string;
  collections: (CollectionRecord & { vectors: number })[];
}

/** Use case: what is stored where, and with which embedders. */
export async function status(app: CairnApp, version: string): Promise<StatusReport> {
  const collections = await app.chunks.listCollections();
  const withVectors = await Promise.all(
    collections.map(async (c) => ({ ...c, vectors: (await app.chunks.vectorWatermark(c.name)).vectorCount })),
  );
  return {
    version,
    home: app.config.home,
    store: { kind: app.chunks.kind, location: app.chunks.location, bytes: fileSize(app.chunks.location) },
    defaultEmbedder: app.config.embedder ?? DEFAULT_EMBEDDER,
    collections: withVectors,
  };
}

function fileSize(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // absent file: counts as 0
    }
  }
  return total;
}
