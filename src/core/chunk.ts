/** A piece of a document sized for the embedder: the unit that is indexed, embedded and retrieved. */
export interface Chunk {
  /** 0-based position of the chunk in its document. */
  ordinal: number;
  /** The chunk's own text (what is shown and cited). */
  text: string;
  /** Headings enclosing the chunk, outermost first (`['Guide', 'Install', 'Linux']`). */
  headingPath: string[];
  /**
   * Fragment linking to the innermost heading of `headingPath` that states one (`dependencies` for
   * `…/page.html#dependencies`); absent when none does.
   */
  anchor?: string;
  /** 1-based page range for paged formats. */
  pageStart?: number;
  pageEnd?: number;
  /** 1-based line range for line-oriented formats (code, CSV). */
  lineStart?: number;
  lineEnd?: number;
  /** Tokens of `text` counted with the collection's embedder tokenizer (or its estimator). */
  tokenCount: number;
  /** sha256 (hex) of the embedding input; equal hashes let an update reuse the stored vector. */
  contentHash: string;
}

/** A chunk with its vector (`null` when the collection is lexical-only). */
export interface EmbeddedChunk extends Chunk {
  vector: Float32Array | null;
}
