import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreRestore } from '../../stores/store-backup.js';
import { assertArchiveExists } from './backup-archive.js';
import { STORE_PREFIX, UPLOADS_PREFIX } from './backup-manifest.js';
import { verifyInto, type VerifyReport } from './verify-backup.js';

export interface RestoreOptions {
  /** Replace a home that holds data. */
  force?: boolean;
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
  if (!options.force && ((await restore.holdsData()) || (await hasEntries(uploadsDir)))) {
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
    await rm(uploadsDir, { recursive: true, force: true });
    const uploads = join(staging, UPLOADS_PREFIX);
    if (existsSync(uploads)) await moveFolder(uploads, uploadsDir);
    return { ...report, home: config.home, location: restore.location, uploads: report.manifest.uploads.jobs.length };
  } finally {
    await rm(staging, { recursive: true, force: true });
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
