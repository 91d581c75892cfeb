import { z } from 'zod';

/**
 * The one configuration schema. Layers, lowest first: defaults < `cairn.config.json` (or `--config`)
 * < environment (`CAIRN_*`) < command-line flags. Loaded once by load-config.ts and passed down;
 * nothing below the composition root reads `process.env`.
 */
export const configSchema = z
  .object({
    /** Data directory (`CAIRN_HOME`): the database, vector index snapshots, downloaded models. */
    home: z.string().min(1),
    /** Directory searched for models before any download (`CAIRN_MODELS_DIR`). */
    modelsDir: z.string().min(1).optional(),
    /**
     * Embedder for new collections (`CAIRN_EMBEDDER`): `onnx:<id>`, `static:<id-or-path>`, `openai:<url>#<model>`, `none`.
     * Unset means DEFAULT_EMBEDDER; a value set explicitly must match an existing collection's embedder.
     */
    embedder: z.string().min(1).optional(),
    /** Collection used when a command names none. */
    defaultCollection: z.string().min(1).default('default'),
    store: z
      .object({
        kind: z.literal('sqlite').default('sqlite'),
        /** Database file; defaults to `<home>/cairn.db`. */
        path: z.string().min(1).optional(),
      })
      .prefault({}),
    chunking: z
      .object({
        /** Budget per chunk in embedder tokens. */
        chunkSize: z.number().int().min(16).max(8192).default(256),
        /** Tokens of overlap between consecutive chunks (about 15% of the budget). */
        chunkOverlap: z.number().int().min(0).max(4096).default(38),
      })
      .prefault({}),
    models: z
      .object({
        /** Hugging Face endpoint for downloads (`HF_ENDPOINT`), for mirrors. */
        hfEndpoint: z.string().url().default('https://huggingface.co'),
        /** ONNX weight type: `q8` (int8, the fast default on CPU) or `fp32`. */
        onnxDtype: z.enum(['q8', 'fp32', 'fp16']).default('q8'),
        /** Threads for one ONNX session; 0 lets onnxruntime choose. */
        onnxThreads: z.number().int().min(0).max(256).default(0),
        /** Whether models may be downloaded at all (false: local copies only). */
        allowDownload: z.boolean().default(true),
        /** API key for `openai:` embedders (`CAIRN_EMBEDDER_API_KEY`). */
        openaiApiKey: z.string().optional(),
      })
      .prefault({}),
    ingest: z
      .object({
        /** Files larger than this are skipped with PARSE_TOO_LARGE. */
        maxFileBytes: z.number().int().positive().default(64 * 1024 * 1024),
        /** Texts per embedder call. */
        embedBatchSize: z.number().int().positive().max(4096).default(64),
        /** Files parsed ahead of the writer (bounded pipeline). */
        parseAhead: z.number().int().positive().max(1024).default(32),
      })
      .prefault({}),
    search: z
      .object({
        mode: z.enum(['lexical', 'dense', 'hybrid']).default('hybrid'),
        k: z.number().int().min(1).max(1000).default(10),
        /** Candidates taken from each arm before fusion. */
        candidates: z.number().int().min(1).max(2000).default(100),
        /** Weight of the lexical arm in hybrid fusion (dense gets 1 - w). See docs/decisions/0005-fusion.md. */
        lexicalWeight: z.number().min(0).max(1).default(0.8),
      })
      .prefault({}),
    vectorIndex: z
      .object({
        /** HNSW graph degree. */
        m: z.number().int().min(4).max(128).default(16),
        efConstruction: z.number().int().min(8).max(1024).default(100),
        efSearch: z.number().int().min(8).max(4096).default(80),
        /** Filtered dense search scans the filtered subset exactly when it has at most this many chunks. */
        exactFilterLimit: z.number().int().min(0).default(20000),
      })
      .prefault({}),
  })
  .strict();

/** The embedder of new collections when none is configured: all-MiniLM-L6-v2 (384-d), int8 ONNX. */
export const DEFAULT_EMBEDDER = 'onnx:Xenova/all-MiniLM-L6-v2';

export type CairnConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
