import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import type { PostgresTlsOptions } from './connect-postgres.js';

/** Where and how to reach the server from a client program (`pg_dump`, `pg_restore`). */
export interface PostgresToolTarget {
  url: string;
  tls?: PostgresTlsOptions;
  /** Folder of the client programs (`backup.postgresBinDir`); unset: Debian's folders, then PATH. */
  binDir?: string;
}

/** A client program and its major version. */
export interface PostgresTool {
  path: string;
  major: number;
}

function majorOf(path: string): number | undefined {
  const result = spawnSync(path, ['--version'], { encoding: 'utf8' });
  const match = result.status === 0 ? /\(PostgreSQL\)\s+(\d+)/.exec(result.stdout) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * Finds `name` (pg_dump, pg_restore) of major version `serverMajor` or newer: pg_dump refuses a server
 * newer than itself, and pg_restore reads archives of its own version or older. Candidates: the
 * configured folder only when set; else /usr/lib/postgresql/<major>/bin (Debian, newest first), then PATH.
 * None: BACKUP_TOOL_MISSING naming what was found and the fix.
 */
export function findPostgresTool(name: 'pg_dump' | 'pg_restore', serverMajor: number, binDir?: string): PostgresTool {
  const candidates: string[] = [];
  if (binDir !== undefined) {
    candidates.push(join(binDir, name));
  } else {
    const debian = '/usr/lib/postgresql';
    if (existsSync(debian)) {
      for (const version of readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, version, 'bin', name));
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir !== '') candidates.push(join(dir, name));
  }
  const found: PostgresTool[] = [];
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const major = majorOf(path);
    if (major === undefined) continue;
    if (major >= serverMajor) return { path, major };
    found.push({ path, major });
  }
  const seen = found.length === 0 ? 'none was found' : `found only ${found.map((tool) => `${tool.path} (${tool.major})`).join(', ')}`;
  throw new CairnError('BACKUP_TOOL_MISSING', `Backups of PostgreSQL ${serverMajor} need ${name} ${serverMajor} or newer; ${seen}${binDir === undefined ? '' : ` in ${binDir}`}.`, {
    hint: `Install the PostgreSQL ${serverMajor} client tools (Debian/Ubuntu: apt-get install postgresql-client-${serverMajor}; the pgvector/pgvector image has them), or set backup.postgresBinDir (CAIRN_BACKUP_POSTGRES_BIN_DIR) to their folder.`,
  });
}

/**
 * The URL without its password, and the environment that carries the password and TLS settings
 * (libpq's PG* variables), so no secret appears in a process list.
 */
export function toolConnection(target: PostgresToolTarget): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(target.url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (url.password !== '') env.PGPASSWORD = decodeURIComponent(url.password);
  url.password = '';
  if (target.tls !== undefined) {
    url.searchParams.delete('sslmode');
    env.PGSSLMODE = target.tls.mode;
    if (target.tls.ca !== undefined) env.PGSSLROOTCERT = target.tls.ca;
    if (target.tls.cert !== undefined) env.PGSSLCERT = target.tls.cert;
    if (target.tls.key !== undefined) env.PGSSLKEY = target.tls.key;
  }
  return { dbname: url.toString(), env };
}

/** Runs a client program to its end; a non-zero exit rejects with its stderr (the last 2,000 characters). */
export function runTool(tool: PostgresTool, args: string[], env: NodeJS.ProcessEnv, options: { signal?: AbortSignal; onStdout?: (chunk: Buffer) => void } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool.path, args, { env, stdio: ['ignore', options.onStdout ? 'pipe' : 'ignore', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    if (options.onStdout) child.stdout!.on('data', options.onStdout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${tool.path} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
}
