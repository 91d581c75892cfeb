import type { Database } from 'better-sqlite3';
import { CairnError } from '../../core/cairn-error.js';

/**
 * Forward-only migrations. `migrations[i]` moves the schema from version i to i + 1; the applied
 * version is kept in `schema_version` (one row). Never edit a released migration: append one.
 *
 * Lexical rows live in one contentless FTS5 table per collection (`fts_<collections.id>`), created with
 * the collection, so the collection filter costs nothing and BM25 statistics are per collection.
 *
 * `collections.vector_epoch` grows whenever stored vectors change in place (updateVectors, a new
 * embedder), so a derived vector index built before the change is recognised as stale.
 *
 * Later issues add their own tables here as new migrations: jobs (background work), keys (API keys),
 * memories (long-term notes of agents).
 */
const migrations: readonly string[] = [
  `
  CREATE TABLE collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    embedder TEXT NOT NULL,
    dimensions INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    chunk_overlap INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    vector_epoch INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
    uri TEXT NOT NULL,
    relative_path TEXT NOT NULL,
    extension TEXT NOT NULL,
    source_root TEXT NOT NULL,
    title TEXT NOT NULL,
    format TEXT NOT NULL,
    language TEXT,
    content_hash TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    modified_ms INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    metadata TEXT NOT NULL DEFAULT '{}',
    git_repository TEXT,
    git_commit TEXT,
    chunk_count INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL,
    UNIQUE (collection, uri)
  );
  CREATE INDEX documents_path ON documents (collection, relative_path);
  CREATE INDEX documents_title ON documents (collection, title);
  CREATE INDEX documents_modified ON documents (collection, modified_ms);
  CREATE INDEX documents_ingested ON documents (collection, ingested_at);
  CREATE INDEX documents_chunks ON documents (collection, chunk_count);
  CREATE INDEX documents_language ON documents (collection, language);
  CREATE INDEX documents_format ON documents (collection, format);
  CREATE INDEX documents_extension ON documents (collection, extension);
  CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading_path TEXT NOT NULL DEFAULT '[]',
    page_start INTEGER,
    page_end INTEGER,
    line_start INTEGER,
    line_end INTEGER,
    token_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    vector BLOB
  );
  CREATE INDEX chunks_document ON chunks (document_id, ordinal);
  CREATE INDEX chunks_collection ON chunks (collection, id);
  CREATE INDEX chunks_vector ON chunks (collection, id) WHERE vector IS NOT NULL;
  CREATE TABLE ingestion_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    sources TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    summary TEXT
  );
  CREATE INDEX ingestion_runs_collection ON ingestion_runs (collection, id);
  `,
  // 1 → 2: per-collection counters kept by triggers, so reading a collection (every search does) is a
  // primary-key lookup instead of two aggregates over its documents (~2 ms at 100k chunks).
  `
  ALTER TABLE collections ADD COLUMN document_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE collections ADD COLUMN chunk_count INTEGER NOT NULL DEFAULT 0;
  UPDATE collections SET
    document_count = (SELECT count(*) FROM documents d WHERE d.collection = collections.name),
    chunk_count = (SELECT coalesce(sum(d.chunk_count), 0) FROM documents d WHERE d.collection = collections.name);
  CREATE TRIGGER documents_count_insert AFTER INSERT ON documents BEGIN
    UPDATE collections SET document_count = document_count + 1, chunk_count = chunk_count + NEW.chunk_count WHERE name = NEW.collection;
  END;
  CREATE TRIGGER documents_count_delete AFTER DELETE ON documents BEGIN
    UPDATE collections SET document_count = document_count - 1, chunk_count = chunk_count - OLD.chunk_count WHERE name = OLD.collection;
  END;
  CREATE TRIGGER documents_count_update AFTER UPDATE OF chunk_count ON documents BEGIN
    UPDATE collections SET chunk_count = chunk_count + NEW.chunk_count - OLD.chunk_count WHERE name = NEW.collection;
  END;
  `,
  // 2 → 3: API keys of the HTTP API. Only a hash of each key is stored (see sqlite-key-store.ts);
  // `prefix` is its first characters, for display and to narrow the lookup.
  `
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE INDEX api_keys_prefix ON api_keys (prefix);
  `,
  // Durable ingestion jobs of the HTTP API (see sqlite-job-store.ts). `seq` numbers the events of one
  // job from 1 and is what SSE clients resume from; `next_seq` on the job keeps it monotonic when old
  // progress events are trimmed;
  // `job_events.id` orders the events of all jobs (the id of `/v1/events`).
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    kind TEXT NOT NULL,
    sources TEXT NOT NULL,
    options TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    progress TEXT NOT NULL,
    errors TEXT NOT NULL DEFAULT '[]',
    error TEXT,
    next_seq INTEGER NOT NULL DEFAULT 1
  );
  CREATE INDEX jobs_collection ON jobs (collection);
  CREATE INDEX jobs_status ON jobs (status, created_at);
  CREATE TABLE job_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (job_id, seq)
  );
  CREATE INDEX job_events_type ON job_events (job_id, type, seq);
  `,
  // Chat sessions of the HTTP API and the memory service (see sqlite-chat-store.ts and
  // sqlite-memory-store.ts). Messages keep their citations and timings as JSON. A memory's vector is
  // tagged with the embedder that made it; memories_fts is contentless and keyed by memories.seq.
  `
  CREATE TABLE chat_sessions (
    id TEXT PRIMARY KEY,
    collection TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX chat_sessions_updated ON chat_sessions (updated_at, id);
  CREATE TABLE chat_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    citations TEXT,
    timings TEXT,
    extractive INTEGER,
    created_at TEXT NOT NULL
  );
  CREATE INDEX chat_messages_session ON chat_messages (session_id, seq);
  CREATE TABLE memories (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    source TEXT,
    session_id TEXT,
    user_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT,
    embedder TEXT,
    vector BLOB
  );
  CREATE INDEX memories_session ON memories (session_id, seq);
  CREATE INDEX memories_user ON memories (user_id, seq);
  CREATE VIRTUAL TABLE memories_fts USING fts5(
    content, tags,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  `,
  // The documents list's text filter ("contains", case-insensitive) over path and title: a trigram
  // index instead of LIKE '%…%', which scans every row of the collection (~0.2 s at 100k documents).
  // External content (the documents table), kept in step by triggers; filled once from existing rows.
  `
  CREATE VIRTUAL TABLE documents_name_fts USING fts5(
    relative_path, title,
    content = 'documents', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
  );
  CREATE TRIGGER documents_name_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_name_fts (rowid, relative_path, title) VALUES (new.id, new.relative_path, new.title);
  END;
  CREATE TRIGGER documents_name_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_name_fts (documents_name_fts, rowid, relative_path, title) VALUES ('delete', old.id, old.relative_path, old.title);
  END;
  CREATE TRIGGER documents_name_au AFTER UPDATE OF relative_path, title ON documents BEGIN
    INSERT INTO documents_name_fts (documents_name_fts, rowid, relative_path, title) VALUES ('delete', old.id, old.relative_path, old.title);
    INSERT INTO documents_name_fts (rowid, relative_path, title) VALUES (new.id, new.relative_path, new.title);
  END;
  INSERT INTO documents_name_fts (documents_name_fts) VALUES ('rebuild');
  `,
  // Chat sessions belong to who created them (see app/caller.ts): `owner` is `key:<api key id>` for
  // sessions made over HTTP, null for the CLI's and for sessions stored before this migration (only
  // admins and the CLI see those). The index serves one owner's list, most recently updated first.
  `
  ALTER TABLE chat_sessions ADD COLUMN owner TEXT;
  CREATE INDEX chat_sessions_owner ON chat_sessions (owner, updated_at, id);
  `,
  // Run-time settings changed through the API (see app/runtime-settings.ts): one row per setting
  // that overrides the configuration, its value as JSON, when and by whom (an owner string) it was set.
  `
  CREATE TABLE runtime_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
  );
  `,
  // Search analytics (see sqlite-analytics-store.ts): one append-only row per search or answer, the
  // query text already grouped (analyticsQueryKey). No foreign key to collections: the history of a
  // deleted collection stays until retention removes it. Times are epoch milliseconds.
  `
  CREATE TABLE search_events (
    id INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    surface TEXT NOT NULL,
    collection TEXT NOT NULL,
    query_key TEXT NOT NULL,
    mode TEXT NOT NULL,
    result_count INTEGER NOT NULL,
    top_score REAL,
    latency_ms REAL NOT NULL,
    key_id TEXT
  );
  CREATE INDEX search_events_at ON search_events (at_ms);
  CREATE INDEX search_events_collection ON search_events (collection, at_ms);
  `,
  // The anchor of a chunk's innermost heading that states one (Markdown `{ #id }`, HTML `id`), for
  // deep links to the cited section. NULL for chunks written before: re-ingest with --force fills it.
  `
  ALTER TABLE chunks ADD COLUMN anchor TEXT;
  `,
  // Where each collection's vectors are indexed (NULL: the HNSW graphs beside the file; 'chroma'), and
  // whether that external index missed pushes it must catch up on (docs/decisions/0031-chroma.md).
  `
  ALTER TABLE collections ADD COLUMN vector_store TEXT;
  ALTER TABLE collections ADD COLUMN vectors_pending INTEGER NOT NULL DEFAULT 0;
  `,
  // Job leases (see JobStore and sqlite-job-store.ts): the process running a job and when its lease
  // ends (epoch ms); a running job without a live lease may be claimed again. Jobs running before this
  // migration have none, so they are claimable, as `requeueRunning` treated them.
  `
  ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
  ALTER TABLE jobs ADD COLUMN lease_expires_ms INTEGER;
  CREATE INDEX jobs_running ON jobs (collection, lease_expires_ms) WHERE status = 'running';
  `,
  // Cancellation that crosses processes: the API process that is asked sets the flag, the process
  // holding the job reads it with its heartbeat (see JobRunner).
  `
  ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  `,
  // Issue 17 §4–5 (docs/decisions/0038-near-duplicates-and-result-cache.md).
  // `collections.write_generation` grows with every insert, update or delete of a document row (so with
  // every write or delete of a document, whichever process commits it): caches of search results key
  // on it. Near-duplicates: each fingerprinted document's MinHash signature (120 little-endian uint32)
  // and its cluster (the smallest document id of the cluster; its own id when alone), clustered with
  // `threshold`; `document_bands` holds its 20 LSH band keys, the candidate lookup.
  `
  ALTER TABLE collections ADD COLUMN write_generation INTEGER NOT NULL DEFAULT 0;
  CREATE TRIGGER documents_generation_insert AFTER INSERT ON documents BEGIN
    UPDATE collections SET write_generation = write_generation + 1 WHERE name = NEW.collection;
  END;
  CREATE TRIGGER documents_generation_update AFTER UPDATE ON documents BEGIN
    UPDATE collections SET write_generation = write_generation + 1 WHERE name = NEW.collection;
  END;
  CREATE TRIGGER documents_generation_delete AFTER DELETE ON documents BEGIN
    UPDATE collections SET write_generation = write_generation + 1 WHERE name = OLD.collection;
  END;
  CREATE TABLE document_fingerprints (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    minhash BLOB NOT NULL,
    threshold REAL NOT NULL,
    cluster INTEGER NOT NULL
  );
  CREATE INDEX document_fingerprints_cluster ON document_fingerprints (collection, cluster);
  CREATE TABLE document_bands (
    collection TEXT NOT NULL,
    band_key INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE
  );
  CREATE INDEX document_bands_key ON document_bands (collection, band_key);
  CREATE INDEX document_bands_document ON document_bands (document_id);
  `,
  // Boilerplate-aware near-duplicates (decision 0038): each fingerprint keeps the document's distinct
  // shingle hashes (little-endian uint32; NULL for fingerprints written before). `shingle_df` holds, per
  // collection, the shingles found in `near_duplicate_state.boilerplate_df` fingerprinted documents or
  // more (the boilerplate) with that count, as of the last settling; `stale` is set by every fingerprint
  // written or removed since, `generation` moves at each settling (processes cache the boilerplate by it).
  `
  ALTER TABLE document_fingerprints ADD COLUMN shingles BLOB;
  CREATE TABLE shingle_df (
    collection_id INTEGER NOT NULL,
    shingle INTEGER NOT NULL,
    df INTEGER NOT NULL,
    PRIMARY KEY (collection_id, shingle)
  ) WITHOUT ROWID;
  CREATE TABLE near_duplicate_state (
    collection_id INTEGER PRIMARY KEY,
    boilerplate_df INTEGER NOT NULL,
    stale INTEGER NOT NULL,
    generation INTEGER NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = migrations.length;

/** Name of the FTS5 table of a collection; the id is an integer, so the name is safe to interpolate. */
export function ftsTableName(collectionId: number): string {
  return `fts_${Math.trunc(collectionId)}`;
}

/**
 * Column order is the order of the weights given to bm25(): title terms, heading-path terms, body terms.
 * Porter stemming and diacritic folding happen inside SQLite (C), on the analyzer's output.
 */
export function createFtsTableSql(collectionId: number): string {
  return `CREATE VIRTUAL TABLE IF NOT EXISTS ${ftsTableName(collectionId)} USING fts5(
    title, heading, body,
    content = '', contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
  )`;
}

export function applyPragmas(db: Database, readonly: boolean): void {
  if (!readonly) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  // Checkpoints are where WAL mode with synchronous=NORMAL waits on fsync; 10,000 pages (40 MB of WAL)
  // between them instead of 1,000 also lets a page rewritten by many commits be copied back once.
  if (!readonly) db.pragma('wal_autocheckpoint = 10000');
}

/** The schema version of a database file (0: none yet), for `cairn db status`. */
export function sqliteSchemaVersion(db: Database): number {
  const hasVersionTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get() !== undefined;
  return hasVersionTable ? ((db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined)?.version ?? 0) : 0;
}

/** Brings the schema to SCHEMA_VERSION; refuses a database written by a newer Cairn. */
export function migrateSqliteSchema(db: Database, readonly: boolean): void {
  const current = sqliteSchemaVersion(db);
  const hasVersionTable = current > 0 || db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get() !== undefined;
  if (current > SCHEMA_VERSION) {
    throw new CairnError('STORE_FAILED', `The database has schema version ${current}; this Cairn knows up to ${SCHEMA_VERSION}.`, {
      hint: 'Upgrade Cairn, or point CAIRN_HOME at another data directory.',
    });
  }
  if (current === SCHEMA_VERSION) return;
  if (readonly) {
    throw new CairnError('STORE_FAILED', `The database has schema version ${current} and needs migrating to ${SCHEMA_VERSION}.`, {
      hint: 'Open it once without read-only mode (any write command, for example `cairn status`) to migrate it.',
    });
  }
  const migrate = db.transaction(() => {
    if (!hasVersionTable) db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (let version = current; version < SCHEMA_VERSION; version += 1) db.exec(migrations[version] ?? '');
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
  });
  migrate.immediate();
}
