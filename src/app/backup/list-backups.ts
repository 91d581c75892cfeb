import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { archiveSequence, parseArchiveName } from './backup-archive-name.js';
import { readManifest } from './backup-archive.js';
import type { BackupManifest } from './backup-manifest.js';
import { applyRetention, type RetentionRule } from './retention.js';

/** An archive in the backup folder, known from its name and size alone. */
export interface BackupArchive {
  name: string;
  path: string;
  /** From the name: when the snapshot was taken (UTC, to the second). */
  createdAt: string;
  bytes: number;
  sequence: number;
}

/** An archive with what its manifest says, or why the manifest could not be read. */
export interface ListedBackup extends BackupArchive {
  manifest?: Pick<BackupManifest, 'cairnVersion' | 'store' | 'counts'>;
  unreadable?: string;
}

/** The archives in `dir` (only `cairn-backup-*.tar.gz` names), newest first; a missing folder has none. */
export async function listArchives(dir: string): Promise<BackupArchive[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CairnError('STORE_FAILED', `Cannot read the backup folder ${dir}: ${(error as Error).message}`, { cause: error, hint: 'Check backup.dir (CAIRN_BACKUP_DIR) and its permissions.' });
  }
  const archives: BackupArchive[] = [];
  for (const name of names) {
    const createdAt = parseArchiveName(name);
    if (!createdAt) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    archives.push({ name, path: join(dir, name), createdAt: createdAt.toISOString(), bytes: info.size, sequence: archiveSequence(name) });
  }
  return archives.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.sequence - a.sequence);
}

/** Use case: the archives of `dir` with their manifests (each read from the archive's first bytes). */
export async function listBackups(dir: string): Promise<ListedBackup[]> {
  const listed: ListedBackup[] = [];
  for (const archive of await listArchives(dir)) {
    try {
      const { cairnVersion, store, counts } = await readManifest(archive.path);
      listed.push({ ...archive, manifest: { cairnVersion, store, counts } });
    } catch (error) {
      listed.push({ ...archive, unreadable: (error as Error).message });
    }
  }
  return listed;
}

export interface PruneResult {
  kept: BackupArchive[];
  removed: BackupArchive[];
}

/**
 * Use case: deletes the archives of `dir` that the retention rule does not keep (see retention.ts);
 * with `dryRun`, only says which. Other files in the folder are never touched. A rule that keeps
 * nothing is refused.
 */
export async function pruneBackups(dir: string, rule: RetentionRule, options: { dryRun?: boolean } = {}): Promise<PruneResult> {
  if (rule.keepLast < 1 && rule.keepDaily < 1) {
    throw new CairnError('INPUT_INVALID', 'This retention keeps no backup at all.', { hint: 'Give --keep-last or --keep-daily a value of 1 or more.' });
  }
  const archives = await listArchives(dir);
  const { remove } = applyRetention(
    archives.map((a) => ({ name: a.name, createdAt: new Date(a.createdAt), sequence: a.sequence })),
    rule,
  );
  const removing = new Set(remove);
  const removed = archives.filter((a) => removing.has(a.name));
  if (!options.dryRun) for (const archive of removed) await rm(archive.path, { force: true });
  return { kept: archives.filter((a) => !removing.has(a.name)), removed };
}
