import { DEFAULT_EMBEDDER } from '../config/config-schema.js';
import type { CollectionRecord } from '../stores/collection-record.js';
import type { VectorIndexHealth } from '../stores/vector-index.js';
import type { CairnApp } from './cairn-app.js';

export interface StatusReport {
  version: string;
  home: string;
  /** `vectors`: the kind of vector index in use (hnswlib beside SQLite, or a separate vector store). */
  store: { kind: string; location: string; bytes: number; vectors: string };
  defaultEmbedder: string;
  collections: (CollectionRecord & { vectors: number })[];
  /** A separate vector store (Chroma), when configured: whether it answers, its version, its counts against the store's. */
  vectorStore?: VectorIndexHealth;
}

/** Use case: what is stored where, and with which embedders. */
export async function status(app: CairnApp, version: string): Promise<StatusReport> {
  const [collections, store, vectorStore] = await Promise.all([app.chunks.listCollections(), app.describeStore(), app.vectors.health?.()]);
  const withVectors = await Promise.all(
    collections.map(async (c) => ({ ...c, vectors: (await app.chunks.vectorWatermark(c.name)).vectorCount })),
  );
  return {
    version,
    home: app.config.home,
    store: { kind: store.kind, location: store.location, bytes: store.sizeBytes ?? 0, vectors: store.vectors },
    defaultEmbedder: app.config.embedder ?? DEFAULT_EMBEDDER,
    collections: withVectors,
    ...(vectorStore === undefined ? {} : { vectorStore }),
  };
}
