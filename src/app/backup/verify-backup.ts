import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreCounts, StoreRestore } from '../../stores/store-backup.js';
import { corrupt, extractArchive, hashFile, readManifest } from './backup-archive.js';
import { STORE_PREFIX, type BackupManifest } from './backup-manifest.js';

export interface VerifyReport {
  archive: string;
  manifest: BackupManifest;
  /** Members checked (size and sha256), the manifest aside. */
  members: number;
  bytes: number;
  millis: number;
}

/**
 * Use case: checks an archive without restoring it. Every member's size and sha256, the database
 * opened read-only with `PRAGMA integrity_check` (and the store's own consistency checks), and every
 * count against the manifest. Fails with BACKUP_NOT_FOUND, BACKUP_CORRUPT or BACKUP_INCOMPATIBLE,
 * naming the first problem found. The archive is extracted into a temporary folder, removed after.
 */
export async function verifyBackup(file: string, restore: StoreRestore, options: { scratchDir?: string } = {}): Promise<VerifyReport> {
  const staging = await mkdtemp(join(options.scratchDir ?? tmpdir(), 'cairn-verify-'));
  try {
    return await verifyInto(file, staging, restore);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Verifies `file` by extracting it into `directory` (empty), where a restore then takes the files from. */
export async function verifyInto(file: string, directory: string, restore: StoreRestore): Promise<VerifyReport> {
  const started = performance.now();
  const manifest = await readManifest(file);
  if (manifest.store.kind !== restore.kind) {
    throw new CairnError('BACKUP_INCOMPATIBLE', `The backup ${file} is of a ${manifest.store.kind} store; this Cairn is configured for ${restore.kind}.`, {
      hint: `Restore it into a Cairn configured for ${manifest.store.kind}, then move the data with \`cairn db copy\` if that exists in your version.`,
    });
  }
  if (manifest.store.schemaVersion > restore.schemaVersion) {
    throw new CairnError('BACKUP_INCOMPATIBLE', `The backup ${file} has schema version ${manifest.store.schemaVersion} (Cairn ${manifest.cairnVersion}); this Cairn knows up to ${restore.schemaVersion}.`, {
      hint: `Upgrade Cairn to ${manifest.cairnVersion} or later to verify or restore it.`,
    });
  }
  await extractArchive(file, directory, new Set(manifest.members.map((m) => m.path)));
  let bytes = 0;
  for (const member of manifest.members) {
    const actual = await hashFile(join(directory, member.path)).catch(() => undefined);
    if (actual === undefined) throw corrupt(file, `member ${member.path} is missing`);
    if (actual.bytes !== member.bytes) throw corrupt(file, `member ${member.path} has ${actual.bytes} bytes, the manifest says ${member.bytes}`);
    if (actual.sha256 !== member.sha256) throw corrupt(file, `member ${member.path} does not match its sha256 in the manifest`);
    bytes += actual.bytes;
  }
  const inspection = await restore.inspect(join(directory, STORE_PREFIX));
  if (inspection.problems.length > 0) throw corrupt(file, `its database fails the integrity check: ${inspection.problems.slice(0, 3).join('; ')}`);
  if (inspection.schemaVersion !== manifest.store.schemaVersion) {
    throw corrupt(file, `its database has schema version ${inspection.schemaVersion}, the manifest says ${manifest.store.schemaVersion}`);
  }
  const difference = firstDifference(manifest.counts, inspection.counts);
  if (difference) throw corrupt(file, `its database holds ${difference}`);
  return { archive: file, manifest, members: manifest.members.length, bytes, millis: performance.now() - started };
}

/** The first count that differs, in words ("12 chunks in collection "docs", the manifest says 13"), or undefined. */
export function firstDifference(expected: StoreCounts, actual: StoreCounts): string | undefined {
  for (const key of ['documents', 'chunks', 'vectors', 'apiKeys', 'jobs', 'chatSessions', 'memories'] as const) {
    if (expected[key] !== actual[key]) return `${actual[key]} ${key}, the manifest says ${expected[key]}`;
  }
  const names = (counts: StoreCounts) => counts.collections.map((c) => c.name).join(', ');
  if (names(expected) !== names(actual)) return `collections [${names(actual)}], the manifest says [${names(expected)}]`;
  for (const [i, collection] of expected.collections.entries()) {
    const other = actual.collections[i]!;
    for (const key of ['documents', 'chunks', 'vectors', 'dimensions', 'embedder'] as const) {
      if (collection[key] !== other[key]) return `${String(other[key])} ${key} in collection "${collection.name}", the manifest says ${String(collection[key])}`;
    }
  }
  return undefined;
}
