import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { CairnError } from '../../core/cairn-error.js';
import { MANIFEST_NAME, manifestSchema, type BackupManifest } from './backup-manifest.js';

/**
 * gzip level of archives. Measured on the docs-corpus store (82k chunks, 188 MB database): level 1
 * wrote 115 MB in 10.3 s, level 6 112 MB in 14.0 s (a loaded machine; the vectors hardly compress).
 */
const GZIP_LEVEL = 1;

/** Writes `manifest.json` and then `members` (paths relative to `directory`) as one gzip-compressed tar. */
export async function writeArchive(directory: string, members: readonly string[], file: string): Promise<void> {
  await tar.c({ gzip: { level: GZIP_LEVEL }, cwd: directory, file, portable: true, noDirRecurse: true, strict: true }, [MANIFEST_NAME, ...members]);
}

/** sha256 (hex) and size of a file, streamed. */
export async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(piece as Buffer);
    bytes += (piece as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Fails with BACKUP_NOT_FOUND unless `file` is a regular file. */
export async function assertArchiveExists(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined);
  if (info?.isFile()) return;
  throw new CairnError('BACKUP_NOT_FOUND', `No backup archive at ${file}.`, { hint: 'List the archives with `cairn backup list`, or give the path of a cairn-backup-*.tar.gz file.' });
}

/**
 * Reads the manifest, the archive's first member, decompressing only the archive's beginning (listing
 * many archives stays cheap). Fails with BACKUP_CORRUPT when it is missing or invalid.
 */
export async function readManifest(file: string): Promise<BackupManifest> {
  await assertArchiveExists(file);
  const text = await new Promise<string>((resolve, reject) => {
    const source = createReadStream(file);
    const gunzip = createGunzip();
    const parser = new tar.Parser({ strict: true });
    let settled = false;
    const finish = (error: Error | undefined, value?: string) => {
      if (settled) return;
      settled = true;
      source.destroy();
      gunzip.destroy();
      if (error) reject(error);
      else resolve(value ?? '');
    };
    parser.on('entry', (entry: tar.ReadEntry) => {
      if (entry.path !== MANIFEST_NAME) return finish(corrupt(file, `its first member is ${entry.path}, not ${MANIFEST_NAME}`));
      const pieces: Buffer[] = [];
      entry.on('data', (piece: Buffer) => pieces.push(piece));
      entry.on('end', () => finish(undefined, Buffer.concat(pieces).toString('utf8')));
    });
    parser.on('error', (error: Error) => finish(corrupt(file, error.message)));
    parser.on('end', () => finish(corrupt(file, `it holds no ${MANIFEST_NAME}`)));
    source.on('error', (error) => finish(error));
    gunzip.on('error', (error) => finish(corrupt(file, unreadable(error))));
    source.pipe(gunzip).pipe(parser);
  });
  return parseManifest(file, text);
}

export function parseManifest(file: string, text: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, `its ${MANIFEST_NAME} is not JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(file, `its ${MANIFEST_NAME} is invalid at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'unknown problem'}`);
  }
  return parsed.data;
}

/**
 * Extracts exactly the manifest's members (and the manifest) into `directory`, regular files only.
 * Any other entry, a damaged or truncated archive, fails with BACKUP_CORRUPT; checksums are checked
 * afterwards by the caller.
 */
export async function extractArchive(file: string, directory: string, expected: ReadonlySet<string>): Promise<void> {
  const unexpected: string[] = [];
  try {
    await tar.x({
      file,
      cwd: directory,
      strict: true,
      preservePaths: false,
      // Owner and mode of the extracting user, whatever the archive says.
      preserveOwner: false,
      filter: (path, entry) => {
        const type = 'type' in entry ? entry.type : undefined;
        const ok = (path === MANIFEST_NAME || expected.has(path)) && (type === 'File' || type === 'OldFile' || type === undefined);
        if (!ok) unexpected.push(path);
        return ok;
      },
    });
  } catch (error) {
    throw corrupt(file, unreadable(error as Error));
  }
  if (unexpected.length > 0) throw corrupt(file, `it holds ${unexpected.length} member(s) the manifest does not list, such as ${unexpected[0]}`);
}

export function corrupt(file: string, reason: string): CairnError {
  return new CairnError('BACKUP_CORRUPT', `The backup ${file} is damaged: ${reason}.`, {
    hint: 'Nothing was restored from it. Use another archive (`cairn backup list`), and check the disk or the copy it came from.',
  });
}

function unreadable(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(error.message)) return 'it ends early (truncated)';
  if (code?.startsWith('Z_') || /incorrect header|invalid|check/i.test(error.message)) return `its compressed data is damaged (${error.message})`;
  return `it cannot be read (${error.message})`;
}
