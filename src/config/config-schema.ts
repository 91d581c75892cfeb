// Over 500 lines on purpose: the one zod schema of every setting (the brief: one schema, layered by
// load-config.ts), each key documented where it is defined; splitting it by section would scatter the defaults.
import { Cron } from 'croner';
import { z } from 'zod';

/**
 * Bounds on one file's parse, checked before and during parsing. Defaults are far above any real
 * office file, PDF or web page (docs/decisions/0020-parse-limits.md has the fixtures' numbers); a
 * file over a ZIP or nesting limit is skipped with PARSE_BOMB or PARSE_TOO_LARGE, a PDF over its page
 * or character cap is ingested up to the cap with a notice.
 */
export const parseLimitsSchema = z
  .object({
    /** ZIP-based formats (DOCX now; XLSX, PPTX, EPUB, ODT go through the same inspector). */
    zip: z
      .object({
        /** Sum of the declared uncompressed sizes of all entries, and of what is actually inflated. */
        maxUncompressedBytes: z.number().int().positive().max(2 ** 32 - 1).default(256 * 1024 * 1024),
        /** Uncompressed : compressed, per entry and for the whole archive (entries under 1 MiB are exempt). */
        maxRatio: z.number().positive().default(100),
        /** Entries in the central directory (at most 65,535: parts are handed on in a plain ZIP). */
        maxEntries: z.number().int().positive().max(65_535).default(10_000),
      })
      .prefault({}),
    pdf: z
      .object({
        /** Pages read per PDF; later pages are left out with a notice. */
        maxPages: z.number().int().positive().default(2_000),
        /** Characters of text kept per PDF (about 2,000 dense pages); the rest is left out with a notice. */
        maxChars: z.number().int().positive().default(5_000_000),
        /** Largest size one FlateDecode stream (page content, font, form) may inflate to; past it the PDF is PARSE_BOMB. */
        maxStreamBytes: z.number().int().positive().default(64 * 1024 * 1024),
      })
      .prefault({}),
    /** Deepest element or bracket nesting read from HTML, XML inside DOCX, JSON and YAML front matter. */
    maxNestingDepth: z.number().int().min(16).max(10_000).default(512),
  })
  .prefault({});

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
        /** `sqlite`: the embedded file (default); `postgres`: the server at `url` (chosen by CAIRN_DATABASE_URL alone too). */
        kind: z.enum(['sqlite', 'postgres']).default('sqlite'),
        /** Database file; defaults to `<home>/cairn.db`. */
        path: z.string().min(1).optional(),
        /** PostgreSQL URL (`CAIRN_DATABASE_URL`, `postgres://user:password@host:5432/database`): a shared database server instead of the embedded file. */
        url: z.string().min(1).optional(),
        /** TLS to PostgreSQL; unset: as `sslmode` in the URL says (no TLS without it). */
        tls: z
          .object({
            mode: z.enum(['disable', 'require', 'verify-full']),
            /** PEM files: the CA of the server's certificate, a client certificate and its key. */
            ca: z.string().min(1).optional(),
            cert: z.string().min(1).optional(),
            key: z.string().min(1).optional(),
          })
          .optional(),
        /** PostgreSQL connections this process holds at most. */
        poolSize: z.number().int().min(1).max(200).default(10),
        /** How long to wait for a PostgreSQL connection, in ms. */
        connectTimeoutMs: z.number().int().positive().default(5000),
        /** PostgreSQL statements running longer are cancelled, in ms (0: no limit). */
        statementTimeoutMs: z.number().int().min(0).default(60_000),
        /**
         * pgvector's HNSW index on PostgreSQL (vectorIndex.* sizes the embedded hnswlib graph): pgvector's
         * walk costs more per node than hnswlib's, so its defaults are smaller: 16/64/150 give recall@10 0.96
         * with real queries at 82k chunks (efSearch 100: 0.94; efConstruction 40 or 48 needs efSearch 250;
         * docs/benchmarks.md, pgidx13). m and efConstruction apply to indexes built from then on.
         */
        hnsw: z
          .object({
            m: z.number().int().min(2).max(100).default(16),
            efConstruction: z.number().int().min(4).max(1000).default(64),
            efSearch: z.number().int().min(1).max(1000).default(150),
            /** A filter matching at most this many chunks is searched exactly instead of by the index walk (0: always the walk). */
            exactFilterChunks: z.number().int().min(0).default(20_000),
          })
          .refine((value) => value.efConstruction >= 2 * value.m, { message: 'pgvector needs efConstruction >= 2 * m', path: ['efConstruction'] })
          .prefault({}),
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
        /**
         * Bearer token of the configured `openai:` embedder (`CAIRN_EMBEDDER_API_KEY`): sent only to the base
         * URL of `embedder` (and `memory.embedder`), never to another server. Keys of other endpoints: `credentials`.
         */
        openaiApiKey: z.string().optional(),
        /**
         * Model specs that HTTP and MCP requests may name besides the configured ones (`CAIRN_MODELS_ALLOWED`,
         * comma-separated): exact specs (`static:minishlab/potion-base-8M`, `openai:http://10.0.0.5:8000/v1#bge-m3`),
         * or `openai:<base-url>` / `http:<base-url>` without `#model` for every model under that base URL.
         * The CLI is not limited by it. See docs/security.md.
         */
        allowed: z.array(z.string().trim().min(1)).default([]),
        /**
         * Bearer tokens by endpoint, for model servers (embedders, rerankers, LLMs) that need different keys:
         * a request to a URL under `url` (same scheme, host and port; the path at a `/` boundary) carries
         * `apiKey`; the longest `url` wins. No entry matches: no key is sent.
         */
        credentials: z.array(z.object({ url: z.string().url(), apiKey: z.string().min(1) }).strict()).default([]),
      })
      .prefault({}),
    embed: z
      .object({
        /**
         * Where the in-process ONNX embedder and cross-encoder run (`CAIRN_EMBED_DEVICE`, `--device`): `cpu`;
         * `cuda` (onnxruntime's CUDA execution provider; falls back to the CPU with a notice when it cannot
         * load); `auto` (CUDA when it loads, else the CPU, silently). See docs/decisions/0037-rerank-evaluation-and-device.md.
         */
        device: z.enum(['cpu', 'cuda', 'auto']).default('cpu'),
      })
      .prefault({}),
    ingest: z
      .object({
        /** Files larger than this are skipped with PARSE_TOO_LARGE. */
        maxFileBytes: z.number().int().positive().default(64 * 1024 * 1024),
        /** Texts per embedder call. */
        embedBatchSize: z.number().int().positive().max(4096).default(64),
        /** Worker threads that read, parse and chunk (0: all on the main thread); unset = cores - 1, at least 1. */
        prepareWorkers: z.number().int().min(0).max(64).optional(),
        /** What one file may cost to parse (decompression and parser bombs); see docs/decisions/0020-parse-limits.md. */
        limits: parseLimitsSchema,
        /**
         * Near-duplicate documents (mirrors, versions, copies): a MinHash signature of each document's word
         * shingles, banded for LSH; documents whose estimated Jaccard similarity reaches `threshold` share a
         * cluster. See docs/decisions/0038-near-duplicates-and-result-cache.md.
         */
        nearDuplicates: z
          .object({
            enabled: z.boolean().default(true),
            /** Estimated Jaccard similarity of word 5-shingles from which two documents are near-duplicates. */
            threshold: z.number().min(0.7).max(1).default(0.8),
            /**
             * Shingles found in this many fingerprinted documents of the collection or more are boilerplate
             * (templates, inherited-option blocks) and left out of signatures; 0: none is. 10 chosen on the
             * docs corpus (decision 0038).
             */
            boilerplateDf: z.number().int().min(0).max(1_000_000).default(10),
          })
          .prefault({}),
      })
      .prefault({}),
    search: z
      .object({
        mode: z.enum(['lexical', 'dense', 'hybrid']).default('hybrid'),
        k: z.number().int().min(1).max(1000).default(10),
        /** Candidates taken from each arm before fusion. */
        candidates: z.number().int().min(1).max(2000).default(100),
        /**
         * How hybrid search weighs its arms: `adaptive` sets the lexical weight per query from how much the
         * lexical arm confirms the dense arm's top results (between minLexicalWeight and 1); `fixed` uses
         * lexicalWeight for every query. See docs/decisions/0033-adaptive-fusion.md.
         */
        fusion: z.enum(['adaptive', 'fixed']).default('adaptive'),
        /** Weight of the lexical arm in `fixed` fusion (dense gets 1 - w). See docs/decisions/0005-fusion.md. */
        lexicalWeight: z.number().min(0).max(1).default(0.8),
        /** Lexical weight of `adaptive` fusion when the arms agree fully (the dense arm's largest share is 1 - this). */
        minLexicalWeight: z.number().min(0).max(1).default(0.6),
        /**
         * Most rows FTS5's BM25 may score per query: the commonest query terms are dropped first once
         * their document frequencies add up past it (Lucene's CommonTermsQuery trade); 0 scores every
         * match. Unset: 2,000 where the in-memory postings answer (FTS5 serves only until they are
         * built; docs/decisions/0002-embedded-store.md), and the postings' own budget (200,000) in
         * one-shot commands, so that `cairn search` ranks as the server and `cairn eval` do (SciFact:
         * 0.6709 nDCG@10 at 2,000, 0.6884 at 200,000; 82k chunks: p50 1.1 ms → 14–30 ms).
         */
        lexicalMaxScoredRows: z.number().int().min(0).optional(),
        /**
         * In-memory BM25 postings beside FTS5 (about 5x faster lexical queries, ~40 MB per 100k chunks,
         * built in a worker thread): `auto` = in long-running processes (`cairn serve`, `cairn mcp`), not in
         * one-shot commands. See docs/decisions/0015-in-memory-bm25.md.
         */
        lexicalAccelerator: z.enum(['auto', 'on', 'off']).default('auto'),
        /**
         * One result per near-duplicate cluster (the others listed as `alsoIn`). On by default since signatures
         * leave out boilerplate shingles (`ingest.nearDuplicates.boilerplateDf`), which took the template
         * pages out of the clusters (decision 0038); `false` (or `--no-collapse`, `collapse=false` per request) shows each copy.
         */
        collapseDuplicates: z.boolean().default(true),
        /**
         * LRU of search responses per collection, keyed by the normalised request and dropped on any write to
         * the collection (by any process: the store's write generation). `size`: responses kept per collection.
         */
        cache: z
          .object({
            enabled: z.boolean().default(true),
            size: z.number().int().min(1).max(100_000).default(256),
          })
          .prefault({}),
      })
      .prefault({}),
    vectorIndex: z
      .object({
        /** HNSW graph degree. */
        m: z.number().int().min(4).max(128).default(32),
        efConstruction: z.number().int().min(8).max(1024).default(200),
        efSearch: z.number().int().min(8).max(4096).default(400),
        /** Filtered dense search scans the filtered subset exactly when it has at most this many chunks. */
        exactFilterLimit: z.number().int().min(0).default(20000),
        /**
         * During a long ingest the graph is persisted each time this many vectors were added since the
         * last snapshot, bounding what a crash leaves to re-insert; 0: only at the end of each write.
         */
        snapshotEveryChunks: z.number().int().min(0).default(20000),
      })
      .prefault({}),
    /**
     * Where the vectors of **new** collections live (`CAIRN_VECTOR_STORE`, or the string `chroma:<url>` in
     * the file): `builtin` = the store backend's own index (HNSW beside SQLite, pgvector in PostgreSQL);
     * `chroma` = a Chroma server. Chunks, documents and the lexical index stay in the store either way, and
     * each collection keeps the vector store it was created with. See docs/decisions/0031-chroma.md.
     */
    vectorStore: z
      .object({
        kind: z.enum(['builtin', 'chroma']).default('builtin'),
        /** Chroma's base URL (`http://host:8000`, or `https://…` for TLS: a private CA goes in NODE_EXTRA_CA_CERTS); required with `kind: chroma`. */
        url: z.string().url().optional(),
        tenant: z.string().min(1).default('default_tenant'),
        database: z.string().min(1).default('default_database'),
        /** Token sent on every request (`CAIRN_VECTOR_STORE_TOKEN`); Chroma 1.x needs a proxy that checks it (README). */
        token: z.string().min(1).optional(),
        /** How the token is sent: `Authorization: Bearer <token>` or `X-Chroma-Token: <token>`. */
        tokenHeader: z.enum(['Authorization', 'X-Chroma-Token']).default('Authorization'),
        /** Chroma collections are named `<prefix><collection>-<id>`, so that several Cairn installations share one server. */
        collectionPrefix: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/).max(64).default('cairn_'),
        /** Longest wait for one write or administrative request, in ms. */
        timeoutMs: z.number().int().positive().default(30_000),
        /** Longest wait for one search, in ms (then the search carries on lexically). */
        queryTimeoutMs: z.number().int().positive().default(5_000),
        /** Vectors per add request (Chroma 1.0 takes at most 5,461). */
        batchSize: z.number().int().min(1).max(5461).default(1000),
        /**
         * Pushes an ingest may have running at once against Chroma (its server applies one batch while the
         * next is sent and logged; removals stay ordered). 1 = one at a time. docs/benchmarks.md, issue 15.
         */
        pushesInFlight: z.number().int().min(1).max(8).default(2),
        /**
         * The HNSW graph of new Chroma collections (Chroma's `max_neighbors`, `ef_construction`; set once,
         * at creation). Smaller than `vectorIndex.*`: Chroma's server inserts each batch into its graph
         * before it answers, which bounds ingest; recall@10 on real data stays ≥ 0.95 (docs/benchmarks.md,
         * issue 15). `efSearch` unset = `vectorIndex.efSearch`.
         */
        hnsw: z
          .object({
            m: z.number().int().min(4).max(128).default(16),
            efConstruction: z.number().int().min(8).max(1024).default(100),
            efSearch: z.number().int().min(8).max(4096).optional(),
          })
          .prefault({}),
      })
      .refine((value) => value.kind !== 'chroma' || value.url !== undefined, { message: 'a Chroma vector store needs its url (CAIRN_VECTOR_STORE=chroma:http://host:8000)', path: ['url'] })
      .prefault({}),
    llm: z
      .object({
        /** OpenAI-compatible base URLs (`http://127.0.0.1:8000/v1`), several for round-robin and failover (`CAIRN_LLM_URL`, comma-separated). */
        urls: z.array(z.string().url()).default([]),
        /** Model name (`CAIRN_LLM_MODEL`); unset = the first model the server lists. */
        model: z.string().min(1).optional(),
        /** Bearer token (`CAIRN_LLM_API_KEY`) of the `urls` above only: never sent to a discovered server or another URL. */
        apiKey: z.string().optional(),
        /** With no URL configured, probe the usual local ports once (Ollama 11434, llama.cpp 8080, vLLM 8000, LM Studio 1234). */
        discover: z.boolean().default(true),
        /** Context window of the model in tokens when the server does not say. */
        contextWindow: z.number().int().min(512).default(8192),
        /** Most tokens of an answer. */
        maxAnswerTokens: z.number().int().min(16).default(1024),
        temperature: z.number().min(0).max(2).default(0.2),
        connectTimeoutMs: z.number().int().positive().default(5000),
        /** Longest silence allowed between two streamed chunks (and before the first). */
        idleTimeoutMs: z.number().int().positive().default(60000),
        /** Retries (with backoff) before the first token only. */
        retries: z.number().int().min(0).max(10).default(2),
        /** Consecutive failures that open an endpoint's circuit breaker, and how long it stays open. */
        breakerFailures: z.number().int().min(1).default(3),
        breakerCooldownMs: z.number().int().positive().default(30000),
      })
      .prefault({}),
    rerank: z
      .object({
        /** `onnx:<model-id>`, `http:<base-url>#<model>` (vLLM / TEI / Cohere `/rerank`), or `none` (`CAIRN_RERANKER`). */
        reranker: z.string().min(1).default('onnx:Xenova/ms-marco-MiniLM-L-6-v2'),
        /** Candidates passed to the reranker at most. */
        candidates: z.number().int().min(1).max(1000).default(50),
        batchSize: z.number().int().min(1).max(512).default(16),
        /** Bearer token of the `http:` reranker above (`CAIRN_RERANKER_API_KEY`), sent to its base URL only. */
        apiKey: z.string().optional(),
      })
      .prefault({}),
    answer: z
      .object({
        /** Chunks retrieved for an answer before reranking. */
        retrieveK: z.number().int().min(1).max(1000).default(50),
        /** Sources kept after reranking (at most; the token budget may keep fewer). */
        sources: z.number().int().min(1).max(100).default(8),
      })
      .prefault({}),
    memory: z
      .object({
        /** Embedder of long-term memories; unset = the configured embedder (or DEFAULT_EMBEDDER). */
        embedder: z.string().min(1).optional(),
        /** Memories given to an answer at most. */
        k: z.number().int().min(0).max(50).default(5),
        /** Memories scoring below this (in [0, 1]: share of query terms matched, blended with cosine) stay out of answers. */
        minScore: z.number().min(0).max(1).default(0.2),
        /** Earlier turns of a chat session given to an answer as sources. */
        turns: z.number().int().min(0).max(50).default(4),
        /** Share of the sources' token budget that memories and turns may take; chunks get the rest. */
        contextShare: z.number().min(0).max(1).default(0.3),
      })
      .prefault({}),
    server: z
      .object({
        /** Interface `cairn serve` binds (`CAIRN_HOST`); loopback by default. */
        host: z.string().min(1).default('127.0.0.1'),
        /** TCP port (`CAIRN_PORT`); 0 picks a free one. */
        port: z.number().int().min(0).max(65535).default(7700),
        /** Largest request body accepted, in bytes (larger: 413). */
        bodyLimitBytes: z.number().int().positive().default(1024 * 1024),
        /** Longest time to receive a whole request, in ms (not the time to answer it). */
        requestTimeoutMs: z.number().int().min(0).default(30000),
        /** Cross-origin requests (`CAIRN_CORS_ORIGINS`, comma-separated): off unless origins are listed; `*` allows any. */
        cors: z
          .object({
            origins: z.array(z.string().min(1)).default([]),
          })
          .prefault({}),
        /** Requests per API key (per client IP on routes without a key) in a sliding window; over it: 429. */
        rateLimit: z
          .object({
            enabled: z.boolean().default(true),
            /** Requests per key in each window (`CAIRN_RATE_LIMIT_MAX`). */
            max: z.number().int().min(1).default(6000),
            /** Requests per client IP in each window on routes that need no key (health, metrics, docs). */
            maxPerIp: z.number().int().min(1).default(1200),
            timeWindowMs: z.number().int().min(1000).default(60_000),
            /** `redis://host:port` (`CAIRN_REDIS_URL`): several instances share their limits there; unset = this process only. */
            redisUrl: z.string().url().optional(),
          })
          .prefault({}),
        metrics: z
          .object({
            /** Serve Prometheus metrics at `/metrics`. */
            enabled: z.boolean().default(true),
            /** Whether `/metrics` needs an API key (scope read). */
            requireKey: z.boolean().default(false),
          })
          .prefault({}),
        benchmarks: z
          .object({
            /** Whether `POST /v1/benchmarks/scaling` may be called from other hosts than loopback. */
            allowRemote: z.boolean().default(false),
          })
          .prefault({}),
      })
      .prefault({}),
    /** Durable ingestion jobs run by `cairn serve` (uploads, path and git sources). */
    jobs: z
      .object({
        /** Jobs run at the same time. */
        workers: z.number().int().min(1).max(16).default(1),
        /** Where uploads are kept until their job finishes; defaults to `<home>/uploads`. */
        uploadsDir: z.string().min(1).optional(),
        /** Largest single uploaded file in bytes (larger: 413 UPLOAD_TOO_LARGE). */
        maxUploadBytes: z.number().int().positive().default(64 * 1024 * 1024),
        /** Most files in one upload request (more: 413 UPLOAD_TOO_LARGE). */
        maxFilesPerUpload: z.number().int().positive().default(1000),
        /** Most jobs waiting to run; a new job beyond it is refused (429 QUEUE_FULL) until the workers catch up. 0: unbounded. */
        maxQueued: z.number().int().min(0).default(1000),
        /**
         * Seconds a claimed job stays its process's without a heartbeat (`CAIRN_JOBS_LEASE_SECONDS`): a
         * process that died loses its jobs to another this long after its last heartbeat. The holder
         * renews every third of it (at most every 2 s, which is also how soon a cancel reaches it).
         */
        leaseSeconds: z.number().int().min(2).max(3600).default(30),
        /** How often a process with a free worker looks for queued or abandoned jobs, and reads events other processes stored, in ms (`CAIRN_JOBS_POLL_MS`). */
        pollMs: z.number().int().min(50).max(60_000).default(1000),
        /** Port of `cairn worker`'s `/healthz`, `/readyz` and `/metrics` (`CAIRN_WORKER_PORT`); 0 picks a free one. */
        workerPort: z.number().int().min(0).max(65535).default(7701),
      })
      .prefault({}),
    /**
     * Where uploaded files wait for their job (docs/decisions/0039-upload-storage.md; `CAIRN_UPLOADS=s3://bucket/prefix`
     * is the short form of an S3 bucket, with `AWS_ENDPOINT_URL` as its endpoint). `auto`: `s3` when
     * `uploads.s3.bucket` is set, else `postgres` on a PostgreSQL store (every worker reads them), else
     * `local` (`jobs.uploadsDir`, one machine).
     */
    uploads: z
      .object({
        /** `CAIRN_UPLOAD_STORE`: auto, local, postgres (the store's database) or s3. */
        store: z.enum(['auto', 'local', 'postgres', 's3']).default('auto'),
        /** An S3-compatible bucket (AWS, MinIO, Ceph RGW, Garage); the bucket must exist. */
        s3: z
          .object({
            /** `CAIRN_S3_BUCKET` */
            bucket: z.string().min(1),
            /** `CAIRN_S3_ENDPOINT`: the server's URL (`http://minio:9000`); unset: AWS. */
            endpoint: z.string().url().optional(),
            /** `CAIRN_S3_REGION`; unset: the SDK's (AWS_REGION), else us-east-1. */
            region: z.string().min(1).optional(),
            /** `CAIRN_S3_PREFIX`: key prefix of the uploads. */
            prefix: z.string().default('uploads/'),
            /** `CAIRN_S3_FORCE_PATH_STYLE`: `http://host/bucket/key` addressing, which MinIO and most self-hosted servers need; unset: on when `endpoint` is set. */
            forcePathStyle: z.boolean().optional(),
            /** `CAIRN_S3_ACCESS_KEY_ID` / `CAIRN_S3_SECRET_ACCESS_KEY`; unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID…, profile, instance role). Never logged. */
            accessKeyId: z.string().min(1).optional(),
            secretAccessKey: z.string().min(1).optional(),
          })
          .optional(),
      })
      .prefault({}),
    /** Backups (`cairn backup`, `POST /v1/backups`, and the schedule `cairn serve` runs); see docs/decisions/0021-backups.md. */
    backup: z
      .object({
        /**
         * Cron expression (`CAIRN_BACKUP_SCHEDULE`; 5 fields, or 6 with seconds first; server's local
         * time) on which `cairn serve` makes a backup and then prunes by keepLast/keepDaily. Unset: none.
         */
        schedule: z.string().min(1).refine(isCronExpression, 'not a valid cron expression (for example "0 3 * * *" for 03:00 every day)').optional(),
        /** Folder of the archives (`CAIRN_BACKUP_DIR`); defaults to `<home>/backups`. */
        dir: z.string().min(1).optional(),
        /** Retention after a scheduled backup: the newest N archives are kept… */
        keepLast: z.number().int().min(0).default(7),
        /** …and the newest archive of each of the D most recent days that have one. */
        keepDaily: z.number().int().min(0).default(7),
        /**
         * PostgreSQL store: folder of `pg_dump`/`pg_restore` (`CAIRN_BACKUP_POSTGRES_BIN_DIR`); unset: the newest
         * of /usr/lib/postgresql/<major>/bin and PATH whose major version is at least the server's.
         */
        postgresBinDir: z.string().min(1).optional(),
      })
      .prefault({}),
    /** What remote callers (HTTP, MCP) may name as a source. The CLI is not limited by these. */
    sources: z
      .object({
        /** Directories whose contents may be ingested by server-side path; empty turns path sources off. */
        allowedDirs: z.array(z.string().min(1)).default([]),
        /** Whether git sources may point at loopback, private, link-local and CGNAT addresses. */
        allowPrivateNetworks: z.boolean().default(false),
      })
      .prefault({}),
    /**
     * Search analytics: each search and answer (query text, collection, mode, result count, top score,
     * latency, key id, surface) is kept for the report at `GET /v1/analytics`. See docs/decisions/0024-search-analytics.md.
     */
    analytics: z
      .object({
        /** Record searches and answers (`CAIRN_ANALYTICS=0` turns it off). */
        enabled: z.boolean().default(true),
        /** Events older than this are deleted (checked about once an hour, not on every insert). */
        retentionDays: z.number().int().min(1).max(3650).default(30),
      })
      .prefault({}),
    /** Crawls of documentation sites (`cairn ingest <url> --crawl`, `{"crawl": …}` jobs); see docs/decisions/0025-crawl.md. */
    crawl: z
      .object({
        /** Pages requested per crawl at most (robots.txt and sitemaps not counted). */
        maxPages: z.number().int().min(1).max(1_000_000).default(5000),
        /** Link hops from the start page when no sitemap lists the pages. */
        maxDepth: z.number().int().min(0).max(100).default(10),
        /** Requests in flight at once. */
        concurrency: z.number().int().min(1).max(16).default(2),
        /** Least time between the starts of two requests to one site, in ms (a site's robots.txt Crawl-delay raises it). */
        delayMs: z.number().int().min(0).max(60_000).default(250),
        /** Longest time for one request (redirects and body included), in ms. */
        timeoutMs: z.number().int().positive().default(30_000),
        /** Largest page or file read, in bytes (also bounded by ingest.maxFileBytes); larger ones are skipped with PARSE_TOO_LARGE. */
        maxPageBytes: z.number().int().positive().default(16 * 1024 * 1024),
        /** Redirects followed per request. */
        maxRedirects: z.number().int().min(0).max(20).default(5),
        /** User-Agent header; default `Cairn/<version> (+<project URL>)`. robots.txt groups are matched with the product token `cairn` whatever it says. */
        userAgent: z.string().min(1).optional(),
      })
      .prefault({}),
    /** The MCP endpoint `/mcp` of `cairn serve` (Streamable HTTP); see docs/decisions/0012-mcp.md. */
    mcp: z
      .object({
        /**
         * Host header values accepted at /mcp (DNS-rebinding defence): `name` (any port) or `name:port`.
         * Always accepted: localhost, 127.0.0.1, [::1] and server.host. List the public names when binding 0.0.0.0.
         */
        allowedHosts: z.array(z.string().min(1)).default([]),
        /** Origin header values (`https://app.example`) accepted at /mcp besides http(s) origins of the allowed hosts; requests without Origin are not browsers and pass. */
        allowedOrigins: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
  })
  .strict();

function isCronExpression(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

/** The embedder of new collections when none is configured: all-MiniLM-L6-v2 (384-d), int8 ONNX. */
export const DEFAULT_EMBEDDER = 'onnx:Xenova/all-MiniLM-L6-v2';

export type CairnConfig = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
