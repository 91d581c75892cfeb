import type { CairnConfig } from '../../config/config-schema.js';
import type { VectorIndexFactory } from '../store-backend.js';
import { ChromaClient } from './chroma-client.js';
import { ChromaVectorIndex } from './chroma-vector-index.js';

/** The Chroma client of the configuration's `vectorStore` (kind `chroma`; the schema requires its url). */
export function chromaClientFromConfig(config: CairnConfig, url = config.vectorStore.url ?? ''): ChromaClient {
  const store = config.vectorStore;
  return new ChromaClient({
    url,
    tenant: store.tenant,
    database: store.database,
    ...(store.token === undefined ? {} : { token: store.token }),
    tokenHeader: store.tokenHeader,
    timeoutMs: store.timeoutMs,
  });
}

/** The vector index factory the composition root hands to the store backend when `vectorStore.kind` is `chroma`. */
export function chromaVectorIndexFactory(config: CairnConfig): VectorIndexFactory<ChromaVectorIndex> {
  const client = chromaClientFromConfig(config);
  return (chunks) =>
    new ChromaVectorIndex({
      client,
      chunks,
      collectionPrefix: config.vectorStore.collectionPrefix,
      batchSize: config.vectorStore.batchSize,
      pushesInFlight: config.vectorStore.pushesInFlight,
      queryTimeoutMs: config.vectorStore.queryTimeoutMs,
      hnsw: { m: config.vectorStore.hnsw.m, efConstruction: config.vectorStore.hnsw.efConstruction, efSearch: config.vectorStore.hnsw.efSearch ?? config.vectorIndex.efSearch },
    });
}
