import type { PostgresMigration } from './migrate-postgres.js';

/**
 * Schema of the application stores on PostgreSQL (keys, jobs, chats, memories, settings, analytics):
 * versions 50–99, applied after the chunk store's 1–49 (postgres-migrations.ts) in one ledger. Append
 * only. Times are `timestamptz` (the API's ISO strings round-trip through them), JSON is `jsonb`,
 * and each table keeps a `seq` for creation order where SQLite used its rowid. Analytics keeps epoch
 * milliseconds (`at_ms`), as SQLite does, because its report groups and compares them numerically.
 */
export const POSTGRES_APP_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 50,
    name: 'api keys',
    sql: `
      CREATE TABLE api_keys (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        name text NOT NULL,
        prefix text NOT NULL,
        hash text NOT NULL,
        scopes jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX api_keys_active_prefix ON api_keys (prefix) WHERE revoked_at IS NULL;
    `,
  },
  {
    version: 51,
    name: 'jobs with leases',
    // A running job's lease (leased_by, lease_until) is what lets several processes share the queue:
    // claims take rows FOR UPDATE SKIP LOCKED and lease times come from the server's clock.
    sql: `
      CREATE TABLE jobs (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        collection text NOT NULL,
        kind text NOT NULL,
        sources jsonb NOT NULL,
        inputs jsonb NOT NULL,
        options jsonb NOT NULL,
        status text NOT NULL,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        progress jsonb NOT NULL,
        errors jsonb NOT NULL DEFAULT '[]',
        error text,
        next_seq integer NOT NULL DEFAULT 1,
        leased_by text,
        lease_until timestamptz
      );
      CREATE INDEX jobs_claimable ON jobs (seq) WHERE status IN ('queued', 'running');
      CREATE INDEX jobs_collection ON jobs (collection, seq);
      CREATE TABLE job_events (
        id bigserial PRIMARY KEY,
        job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        UNIQUE (job_id, seq)
      );
      CREATE INDEX job_events_progress ON job_events (job_id, seq) WHERE type = 'progress';
    `,
  },
  {
    version: 52,
    name: 'chat sessions',
    sql: `
      CREATE TABLE chat_sessions (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        collection text NOT NULL,
        title text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        message_count integer NOT NULL DEFAULT 0,
        owner text
      );
      CREATE INDEX chat_sessions_recent ON chat_sessions (updated_at DESC, id DESC);
      CREATE INDEX chat_sessions_owner ON chat_sessions (owner, updated_at DESC, id DESC);
      CREATE TABLE chat_messages (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        session_id text NOT NULL REFERENCES chat_sessions (id) ON DELETE CASCADE,
        role text NOT NULL,
        content text NOT NULL,
        citations jsonb,
        timings jsonb,
        extractive boolean,
        created_at timestamptz NOT NULL
      );
      CREATE INDEX chat_messages_session ON chat_messages (session_id, seq);
    `,
  },
  {
    version: 53,
    name: 'memories',
    // terms: the analyzed, Porter-stemmed content and tags (what SQLite's FTS5 table indexes), stored
    // as literal lexemes (array_to_tsvector), so no text search configuration re-parses them. vector: pgvector without a fixed
    // dimension (each row tagged with its embedder); the dense arm is an exact scan of one embedder's rows.
    sql: `
      CREATE TABLE memories (
        seq bigserial PRIMARY KEY,
        id text NOT NULL UNIQUE,
        content text NOT NULL,
        tags jsonb NOT NULL DEFAULT '[]',
        source text,
        session_id text,
        user_id text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        expires_at timestamptz,
        terms tsvector NOT NULL,
        embedder text,
        vector vector
      );
      CREATE INDEX memories_terms ON memories USING gin (terms);
      CREATE INDEX memories_embedder ON memories (embedder);
    `,
  },
  {
    version: 54,
    name: 'runtime settings',
    sql: `
      CREATE TABLE runtime_settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text
      );
    `,
  },
  {
    version: 55,
    name: 'search analytics',
    sql: `
      CREATE TABLE search_events (
        id bigserial PRIMARY KEY,
        at_ms bigint NOT NULL,
        kind text NOT NULL,
        surface text NOT NULL,
        collection text NOT NULL,
        query_key text NOT NULL,
        mode text NOT NULL,
        result_count integer NOT NULL,
        top_score double precision,
        latency_ms double precision NOT NULL,
        key_id text
      );
      CREATE INDEX search_events_at ON search_events (at_ms);
      CREATE INDEX search_events_collection ON search_events (collection, at_ms);
    `,
  },
  {
    version: 56,
    // Cancellation that crosses processes: the process asked sets the flag, the one holding the job
    // reads it with its heartbeat; claims never take a flagged job (see JobStore.claim).
    name: 'job cancel flag',
    sql: `
      ALTER TABLE jobs ADD COLUMN cancel_requested boolean NOT NULL DEFAULT false;
    `,
  },
  {
    version: 57,
    // Uploads every worker can read (PostgresUploadStore): a file row, readable once complete, and its
    // bytes in 1 MiB rows. STORAGE EXTERNAL: uploads are mostly compressed formats (PDF, DOCX), so
    // TOAST stores them out of line without trying to compress them again.
    name: 'upload storage',
    sql: `
      CREATE TABLE upload_files (
        upload_id text NOT NULL,
        name text NOT NULL,
        bytes bigint NOT NULL DEFAULT 0,
        chunks integer NOT NULL DEFAULT 0,
        complete boolean NOT NULL DEFAULT false,
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (upload_id, name)
      );
      CREATE TABLE upload_chunks (
        upload_id text NOT NULL,
        name text NOT NULL,
        seq integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (upload_id, name, seq)
      );
      ALTER TABLE upload_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
    `,
  },
];
