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
}

export interface CollectionRecord extends CollectionSettings {
  name: string;
  createdAt: string;
  documentCount: number;
  chunkCount: number;
}
