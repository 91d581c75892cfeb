import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type pg from 'pg';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreCounts, StoreInspection, StoreRestore } from '../store-backup.js';
import { connectPostgres, redactDatabaseUrl, type PostgresTlsOptions } from './connect-postgres.js';
import { POSTGRES_SNAPSHOT_DUMP } from './postgres-store-backup.js';
import { countPostgresStore, toStoreCounts, type CountSource } from './postgres-store-counts.js';
import { findPostgresTool, runTool, toolConnection, type PostgresTool } from './postgres-tools.js';

export interface PostgresRestoreOptions {
  url: string;
  tls?: PostgresTlsOptions;
  /** `backup.postgresBinDir`. */
  binDir?: string;
  connectTimeoutMs: number;
  /** The newest schema version this Cairn knows (the last step of POSTGRES_SCHEMA). */
  schemaVersion: number;
}

/** Tables whose rows mean the target holds data (the knowledge base and what users made). */
const DATA_TABLES = ['collections', 'api_keys', 'jobs', 'chat_sessions', 'memories'];

/**
 * Restores a PostgresStoreBackup snapshot (a pg_dump custom archive of Cairn's tables) into the
 * database at `url` with `pg_restore --clean --if-exists --single-transaction`: all or nothing, and the
 * empty tables a start-up migration made are replaced. Inspect reads the archive's data through
 * `pg_restore` (no server needed) and counts the rows exactly as the store counts them; after a restore
 * the target is counted again and must hold what the archive does.
 */
export class PostgresStoreRestore implements StoreRestore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly schemaVersion: number;
  readonly #options: PostgresRestoreOptions;
  readonly #inspected = new Map<string, StoreCounts>();

  constructor(options: PostgresRestoreOptions) {
    this.#options = options;
    this.location = redactDatabaseUrl(options.url);
    this.schemaVersion = options.schemaVersion;
  }

  /** pg_restore of the newest major version installed (it reads archives of its version and older). */
  #restoreTool(serverMajor = 0): PostgresTool {
    return findPostgresTool('pg_restore', serverMajor, this.#options.binDir);
  }

  async inspect(directory: string): Promise<StoreInspection> {
    const file = join(directory, POSTGRES_SNAPSHOT_DUMP);
    if (!existsSync(file)) return { schemaVersion: 0, counts: emptyCounts(), problems: [`${POSTGRES_SNAPSHOT_DUMP} is missing`] };
    let read: DumpData;
    try {
      read = await readDump(this.#restoreTool(), file);
    } catch (error) {
      if (error instanceof CairnError) throw error;
      return { schemaVersion: 0, counts: emptyCounts(), problems: [`pg_restore cannot read the dump: ${(error as Error).message}`] };
    }
    const problems = ['collections', 'documents', 'chunks', 'cairn_schema_migrations'].filter((table) => !read.tables.has(table)).map((table) => `the dump holds no data section for table ${table}`);
    const counts = toStoreCounts(read.counts);
    this.#inspected.set(directory, counts);
    return { schemaVersion: read.schemaVersion, counts, problems };
  }

  async #connect(): Promise<pg.Pool> {
    return connectPostgres({
      url: this.#options.url,
      ...(this.#options.tls === undefined ? {} : { tls: this.#options.tls }),
      poolSize: 1,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      statementTimeoutMs: 0,
      applicationName: 'cairn-restore',
    });
  }

  async holdsData(): Promise<boolean> {
    const pool = await this.#connect();
    try {
      for (const table of DATA_TABLES) {
        const { rows } = await pool.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [table]);
        if (rows[0]?.present !== true) continue;
        if ((await pool.query(`SELECT 1 FROM ${table} LIMIT 1`)).rows.length > 0) return true;
      }
      return false;
    } finally {
      await pool.end();
    }
  }

  async restore(directory: string): Promise<void> {
    const file = join(directory, POSTGRES_SNAPSHOT_DUMP);
    const expected = this.#inspected.get(directory) ?? (await this.inspect(directory)).counts;
    const pool = await this.#connect();
    try {
      const { rows: sessions } = await pool.query<{ n: number; names: string | null }>(
        `SELECT count(*)::int AS n, string_agg(DISTINCT coalesce(nullif(application_name, ''), client_addr::text, 'local'), ', ') AS names
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      );
      if ((sessions[0]?.n ?? 0) > 0) {
        throw new CairnError('BACKUP_TARGET_IN_USE', `${this.location} has ${sessions[0]!.n} other session(s) open (${sessions[0]!.names ?? 'unknown'}).`, {
          hint: 'Stop every Cairn process (cairn serve, workers, ingests) using this database, then restore.',
        });
      }
      const { rows: version } = await pool.query<{ major: number }>("SELECT current_setting('server_version_num')::int / 10000 AS major");
      const tool = this.#restoreTool(version[0]!.major);
      const { dbname, env } = toolConnection(this.#options);
      try {
        await runTool(tool, [`--dbname=${dbname}`, '--no-owner', '--no-privileges', '--clean', '--if-exists', '--single-transaction', '--exit-on-error', file], env);
      } catch (error) {
        throw new CairnError('STORE_FAILED', `pg_restore into ${this.location} failed (nothing was changed: one transaction): ${(error as Error).message}`, {
          cause: error,
          hint: 'Restore into an empty database of a server of the same or a newer major version, with pgvector installed.',
        });
      }
      const actual = await countPostgresStore(pool);
      const differs = JSON.stringify(actual) !== JSON.stringify(expected);
      if (differs) {
        throw new CairnError('BACKUP_CORRUPT', `After pg_restore, ${this.location} holds ${actual.documents} documents, ${actual.chunks} chunks and ${actual.vectors} vectors; the archive holds ${expected.documents}, ${expected.chunks} and ${expected.vectors}.`, {
          hint: 'Something else wrote to the database during the restore; stop it and restore again with --force.',
        });
      }
    } finally {
      await pool.end();
    }
  }
}

interface DumpData {
  tables: Set<string>;
  counts: CountSource;
  schemaVersion: number;
}

/**
 * Reads every table's rows out of a custom-format dump (`pg_restore --data-only --file=-`: COPY
 * sections in text format) and counts them as countPostgresStore counts the database.
 */
async function readDump(tool: PostgresTool, file: string): Promise<DumpData> {
  const child = spawn(tool.path, ['--data-only', '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  const counts: CountSource = { collections: [], documents: new Map(), chunks: new Map(), vectors: new Map(), apiKeys: 0, jobs: 0, chatSessions: 0, memories: 0 };
  const tables = new Set<string>();
  let schemaVersion = 0;
  let table: string | undefined;
  let columns: string[] = [];
  const column = (name: string) => columns.indexOf(name);
  const bump = (map: Map<number, number>, key: number) => map.set(key, (map.get(key) ?? 0) + 1);
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    if (table === undefined) {
      const header = /^COPY (?:"?[^".\s]+"?\.)?"?([^"\s(]+)"? \((.*)\) FROM stdin;$/.exec(line);
      if (header) {
        table = header[1]!;
        columns = header[2]!.split(', ').map((name) => name.replace(/^"|"$/g, ''));
        tables.add(table);
      }
      continue;
    }
    if (line === '\\.') {
      table = undefined;
      continue;
    }
    const fields = line.split('\t');
    switch (table) {
      case 'collections':
        counts.collections.push({ id: Number(fields[column('id')]), name: unescapeCopy(fields[column('name')]!), embedder: unescapeCopy(fields[column('embedder')]!), dimensions: Number(fields[column('dimensions')]) });
        break;
      case 'documents':
        bump(counts.documents, Number(fields[column('collection_id')]));
        break;
      case 'chunks': {
        const collectionId = Number(fields[column('collection_id')]);
        bump(counts.chunks, collectionId);
        if (fields[column('embedding')] !== '\\N') bump(counts.vectors, collectionId);
        break;
      }
      case 'api_keys':
        counts.apiKeys++;
        break;
      case 'jobs':
        counts.jobs++;
        break;
      case 'chat_sessions':
        counts.chatSessions++;
        break;
      case 'memories':
        counts.memories++;
        break;
      case 'cairn_schema_migrations':
        schemaVersion = Math.max(schemaVersion, Number(fields[column('version')]));
        break;
      default:
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`exit ${code}: ${stderr.trim()}`);
  return { tables, counts, schemaVersion };
}

/** A text-format COPY field as its value (backslash escapes). */
function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', b: '\b', f: '\f', v: '\v' })[c] ?? c);
}

function emptyCounts(): StoreCounts {
  return { collections: [], documents: 0, chunks: 0, vectors: 0, apiKeys: 0, jobs: 0, chatSessions: 0, memories: 0 };
}
