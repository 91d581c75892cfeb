import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreRestore } from '../../stores/store-backup.js';
import type { UploadStore } from '../../stores/upload-store.js';
import { LocalUploadStore } from '../../stores/uploads/local-upload-store.js';
import { assertArchiveExists } from './backup-archive.js';
import { STORE_PREFIX, UPLOADS_PREFIX } from './backup-manifest.js';
import { verifyInto, type VerifyReport } from './verify-backup.js';

export interface RestoreOptions {
  /** Replace a home that holds data. */
  force?: boolean;
  /** The upload store the restored server will read, when it is not the local folder (S3): the archive's uploads go there. */
  uploads?: UploadStore;
}

export interface RestoreReport extends VerifyReport {
  home: string;
  location: string;
  /** Upload folders put back (jobs that will run when `cairn serve` starts). */
  uploads: number;
}

/**
 * Use case: restores an archive into the configured home. Refuses a home that holds data unless
 * `force`; verifies the whole archive first (extracted into a staging folder inside the home, so the
 * files are then moved, not copied); then replaces the store's data and the uploads awaiting jobs.
 * A failure before the final moves leaves the home as it was.
 */
export async function restoreBackup(config: CairnConfig, file: string, restore: StoreRestore, options: RestoreOptions = {}): Promise<RestoreReport> {
  await assertArchiveExists(file);
  const uploadsDir = config.jobs.uploadsDir ?? join(config.home, 'uploads');
  const remote = options.uploads?.localDir === undefined ? options.uploads : undefined;
  const holdsUploads = remote ? (await remote.list()).length > 0 : await hasEntries(uploadsDir);
  if (!options.force && ((await restore.holdsData()) || holdsUploads)) {
    throw new CairnError('BACKUP_TARGET_NOT_EMPTY', `The home ${config.home} already holds data (${restore.location}).`, {
      hint: 'Restore into an empty home (--home <dir>), or pass --force to replace what is there.',
    });
  }
  await mkdir(config.home, { recursive: true });
  const staging = join(config.home, `.cairn-restore-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const report = await verifyInto(file, staging, restore);
    await restore.restore(join(staging, STORE_PREFIX));
    const uploads = join(staging, UPLOADS_PREFIX);
    if (remote) await replaceRemoteUploads(remote, uploads);
    else {
      await rm(uploadsDir, { recursive: true, force: true });
      if (existsSync(uploads)) await moveFolder(uploads, uploadsDir);
    }
    return { ...report, home: config.home, location: restore.location, uploads: report.manifest.uploads.jobs.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Empties a shared upload store and puts the archive's uploads (`<from>/<job id>/<name>`) into it. */
async function replaceRemoteUploads(store: UploadStore, from: string): Promise<void> {
  for (const { id } of await store.list()) await store.delete(id);
  if (!existsSync(from)) return;
  const local = new LocalUploadStore(from);
  for (const { id } of await local.list()) {
    for (const name of await local.files(id)) await store.put(id, name, await local.get(id, name));
  }
}

/** Renames a folder, or copies and removes it when `to` is on another file system (jobs.uploadsDir may be). */
async function moveFolder(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await cp(from, to, { recursive: true });
    await rm(from, { recursive: true, force: true });
  }
}

async function hasEntries(directory: string): Promise<boolean> {
  try {
    return (await readdir(directory)).length > 0;
  } catch {
    return false;
  }
}
