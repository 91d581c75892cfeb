import { constants, createWriteStream, type Dirent } from 'node:fs';
import { copyFile, link, mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CairnError } from '../../core/cairn-error.js';
import type { UploadStore } from '../../stores/upload-store.js';
import { LocalUploadStore } from '../../stores/uploads/local-upload-store.js';
import type { CairnApp } from '../cairn-app.js';
import { archiveName } from './backup-archive-name.js';
import { hashFile, writeArchive } from './backup-archive.js';
import { MANIFEST_NAME, STORE_PREFIX, UPLOADS_PREFIX, type BackupManifest } from './backup-manifest.js';

export interface CreateBackupOptions {
  /** Folder of the archive; default `backup.dir`. */
  dir?: string;
  /** Cairn's version, recorded in the manifest. */
  version: string;
  signal?: AbortSignal;
  /** The clock (tests); the archive's name carries this time. */
  now?: () => Date;
}

export interface BackupResult {
  name: string;
  path: string;
  bytes: number;
  createdAt: string;
  millis: number;
  manifest: BackupManifest;
}

/** Staging folders are `.cairn-backup-<stamp>-<pid>.partial`; a dead process's are removed by the next backup. */
const STAGING = /^\.cairn-backup-.*-(\d+)\.partial$/;

/**
 * Use case: one consistent online backup into one archive, while the store keeps serving and
 * ingesting. The store writes its snapshot (StoreBackup); around it go the uploads awaiting jobs and a
 * manifest with the sha256 of every member. Everything is staged in a hidden folder of the backup
 * folder and the archive appears under its final name only once complete, so a crash leaves no
 * archive that looks finished.
 */
export async function createBackup(app: CairnApp, options: CreateBackupOptions): Promise<BackupResult> {
  const store = app.backup;
  if (!store) {
    throw new CairnError('BACKUP_INCOMPATIBLE', `This ${app.chunks.kind} store cannot make backups with this version of Cairn.`, {
      hint: 'Back up its database with the database server\'s own tools (pg_dump for PostgreSQL).',
    });
  }
  const started = performance.now();
  const dir = options.dir ?? app.config.backup.dir ?? join(app.config.home, 'backups');
  const createdAt = (options.now ?? (() => new Date()))();
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CairnError('STORE_FAILED', `Cannot create the backup folder ${dir}: ${(error as Error).message}`, { cause: error, hint: 'Check backup.dir (CAIRN_BACKUP_DIR) and its permissions.' });
  }
  await removeAbandonedStaging(dir);
  const stamp = archiveName(createdAt).replace(/^cairn-backup-|\.tar\.gz$/g, '');
  const staging = join(dir, `.cairn-backup-${stamp}-${process.pid}.partial`);
  try {
    await mkdir(join(staging, STORE_PREFIX), { recursive: true });
    const uploads = app.uploads ?? new LocalUploadStore(app.config.jobs.uploadsDir ?? join(app.config.home, 'uploads'));
    const uploadsTarget = join(staging, UPLOADS_PREFIX);
    // Before and after the snapshot: a job queued in between has its files from the second pass, and a
    // job that finishes in between (removing its files) from the first. Uploads of jobs the snapshot
    // does not know are removed when the restored server starts (removeOrphanUploads).
    const jobs = new Set(await copyUploads(uploads, uploadsTarget));
    const snapshot = await store.snapshot(join(staging, STORE_PREFIX), options.signal ? { signal: options.signal } : {});
    for (const job of await copyUploads(uploads, uploadsTarget)) jobs.add(job);
    options.signal?.throwIfAborted();

    const members: BackupManifest['members'] = [];
    for (const file of snapshot.files) members.push({ path: `${STORE_PREFIX}${file}`, ...(await hashFile(join(staging, STORE_PREFIX, file))) });
    let uploadBytes = 0;
    const uploadFiles = await listFiles(uploadsTarget);
    for (const file of uploadFiles) {
      const member = { path: `${UPLOADS_PREFIX}${file}`, ...(await hashFile(join(uploadsTarget, file))) };
      uploadBytes += member.bytes;
      members.push(member);
    }
    const manifest: BackupManifest = {
      format: 'cairn-backup',
      formatVersion: 1,
      cairnVersion: options.version,
      createdAt: createdAt.toISOString(),
      store: { kind: snapshot.kind, schemaVersion: snapshot.schemaVersion, location: app.chunks.location },
      counts: snapshot.counts,
      uploads: { jobs: [...jobs].sort(), files: uploadFiles.length, bytes: uploadBytes },
      members,
      notes: snapshot.notes,
    };
    await writeFile(join(staging, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
    const partial = join(staging, 'archive.tar.gz');
    await writeArchive(
      staging,
      members.map((m) => m.path),
      partial,
    );
    options.signal?.throwIfAborted();
    const { name, path } = await publish(partial, dir, createdAt);
    const bytes = (await stat(path)).size;
    return { name, path, bytes, createdAt: manifest.createdAt, millis: performance.now() - started, manifest };
  } catch (error) {
    if (error instanceof CairnError) throw error;
    if ((error as Error).name === 'AbortError') throw error;
    throw new CairnError('STORE_FAILED', `The backup into ${dir} failed: ${(error as Error).message}`, { cause: error, hint: 'Check that backup.dir is writable and has room for about the size of the database.' });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Hard-links the finished archive under its name without ever replacing one (a taken name gets `-2`, `-3`…). */
async function publish(partial: string, dir: string, createdAt: Date): Promise<{ name: string; path: string }> {
  for (let sequence = 1; ; sequence += 1) {
    const name = archiveName(createdAt, sequence);
    const path = join(dir, name);
    try {
      await link(partial, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // File systems without hard links: a copy that refuses to overwrite.
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') {
        try {
          await copyFile(partial, path, constants.COPYFILE_EXCL);
        } catch (copyError) {
          if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw copyError;
        }
      } else {
        throw error;
      }
    }
    await unlink(partial);
    return { name, path };
  }
}

/**
 * Copies every upload of the upload store (one per job id; local disk or S3 — a PostgreSQL store's are
 * in the database and its dump) into `target/<id>/`, replacing an earlier copy only once the new one is
 * whole: an upload removed meanwhile (its job finished) keeps the earlier copy, and one still being
 * received is copied again as it is now. Answers the job ids copied.
 */
async function copyUploads(uploads: UploadStore, target: string): Promise<string[]> {
  const copied: string[] = [];
  // PostgreSQL's uploads are rows of the database: its snapshot (pg_dump) holds them already.
  if (uploads.kind === 'postgres') return copied;
  for (const { id } of await uploads.list()) {
    const fresh = join(target, `${id}.copying`);
    try {
      const files = await uploads.files(id);
      if (files.length === 0) continue;
      for (const file of files) {
        const path = join(fresh, ...file.split('/'));
        await mkdir(dirname(path), { recursive: true });
        await pipeline(await uploads.get(id, file), createWriteStream(path));
      }
      await rm(join(target, id), { recursive: true, force: true });
      await rename(fresh, join(target, id));
      copied.push(id);
    } catch (error) {
      await rm(fresh, { recursive: true, force: true });
      const gone = (error as NodeJS.ErrnoException).code === 'ENOENT' || (error instanceof CairnError && error.code === 'NOT_FOUND');
      if (!gone) throw error;
    }
  }
  return copied;
}

/** Regular files under `root`, relative and `/`-separated, sorted. */
async function listFiles(root: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

async function removeAbandonedStaging(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(STAGING.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    await rm(join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
