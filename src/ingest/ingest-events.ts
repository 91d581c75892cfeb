/** Progress of one ingestion run, emitted in order. The CLI draws a progress bar from them; the server will stream them. */
export type IngestEvent =
  | { type: 'source'; root: string; kind: 'file' | 'directory' | 'git' | 'crawl'; commit?: string }
  /** With `countFiles`: the files a source will hand on, and the paths it passes over (each later `skipped`); never for crawls (counting would crawl twice). */
  | { type: 'plan'; root: string; files: number; skipped: number }
  /** At the start of a run: the embedder and where it computes (`remote` for a server, `none` lexical-only). */
  | { type: 'embedder'; id: string; device: EmbedDevice }
  | { type: 'file'; uri: string; relativePath: string; outcome: FileOutcome; chunks: number }
  | { type: 'skipped'; uri: string; relativePath: string; code: string; reason: string }
  | { type: 'pruned'; uri: string }
  /** A batch of documents was embedded and written: `embedded` vectors computed (the rest reused or none). */
  | { type: 'batch'; documents: number; chunks: number; embedded: number }
  | { type: 'index'; phase: 'start' | 'done'; vectors: number; millis?: number };

/** Where a run's embeddings were computed: in process on the CPU or a CUDA GPU, by a server, or none (lexical-only). */
export type EmbedDevice = 'cpu' | 'cuda' | 'remote' | 'none';

/** `new`/`updated`: written; `unchanged`: skipped by size+mtime or content hash. */
export type FileOutcome = 'new' | 'updated' | 'unchanged';

export interface IngestSummary {
  collection: string;
  runId: number;
  filesSeen: number;
  filesNew: number;
  filesUpdated: number;
  filesUnchanged: number;
  filesSkipped: number;
  filesPruned: number;
  chunksWritten: number;
  chunksEmbedded: number;
  chunksReused: number;
  tokensEmbedded: number;
  skipped: { uri: string; relativePath: string; code: string; reason: string }[];
  /** Wall time of the whole run and of its stages (stages overlap, so they do not add up). */
  millis: { total: number; read: number; parse: number; chunk: number; embed: number; write: number; index: number };
  lexicalOnly: boolean;
  /** Where the embeddings were computed. */
  device: EmbedDevice;
  /** Chunks written per second of the whole run. */
  chunksPerSecond: number;
  notices: string[];
}
