/** Per-collection settings fixed at creation; the embedder may change only through `cairn reembed`. */
export interface CollectionSettings {
  /** Embedder id (`onnx:Xenova/all-MiniLM-L6-v2`, `static:/path`, `none`). */
  embedder: string;
  /** Vector dimension of that embedder; 0 for `none`. */
  dimensions: number;
  /** Chunk budget in embedder tokens. */
  chunkSize: number;
  /** Tokens repeated from the end of one chunk at the start of the next. */
  chunkOverlap: number;
  /**
   * Where the collection's vectors are indexed: absent = the store backend's own vector index (HNSW,
   * pgvector); `chroma` = the configured Chroma server. The store keeps every vector either way.
   */
  vectorStore?: string;
}

export interface CollectionRecord extends CollectionSettings {
  name: string;
  createdAt: string;
  documentCount: number;
  chunkCount: number;
  /**
   * A push to the collection's external vector store failed and was not replayed: the store must catch
   * up from the ChunkStore (on its next open, or `cairn index rebuild`). Absent when false.
   */
  vectorsPending?: boolean;
}
