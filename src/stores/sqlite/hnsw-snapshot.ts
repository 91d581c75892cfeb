import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, rmSync, statSync, type Stats } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** HNSW build and query parameters (Malkov & Yashunin 2018: M, efConstruction, ef). */
export interface HnswParams {
  m: number;
  efConstruction: number;
  efSearch: number;
}

/**
 * The JSON sidecar written beside `<collection>.hnsw`. A snapshot is used only when every field agrees
 * with the index file and the database; otherwise the index is rebuilt from SQLite.
 */
export interface SnapshotSidecar {
  format: 1;
  /** `<collections.id>:<vector_epoch>`: changes when the collection is re-created or its vectors rewritten. */
  vectorKey: string;
  embedder: string;
  dimensions: number;
  /** Elements in the index file, deleted ones included (hnswlib's getCurrentCount). */
  count: number;
  /** Highest chunk id added to the index: chunks above it are the tail added on open. */
  watermark: number;
  m: number;
  efConstruction: number;
  bytes: number;
  /** sha1 of the index file: hnswlib trusts the file it reads, so a damaged file must never reach it. */
  sha1: string;
  writtenAt: string;
}

export interface SnapshotPaths {
  index: string;
  sidecar: string;
  /** The int8 copy of the index's vectors (see hnsw-quantized-vectors.ts): derived, optional. */
  quantized: string;
}

export function snapshotPaths(directory: string, collection: string): SnapshotPaths {
  const base = join(directory, encodeURIComponent(collection));
  return { index: `${base}.hnsw`, sidecar: `${base}.hnsw.json`, quantized: `${base}.hnsw.q8` };
}

/**
 * The sha1 of a file, memoised by (device, inode, size, mtime) for the few files hashed last: a graph
 * load and the exact path's read of the same snapshot, started together, hash it once (≈ 0.4 s of the
 * main thread per 180 MB). A snapshot is published by rename, so a new one has a new inode.
 */
export async function fileSha1(path: string): Promise<string> {
  return memoisedSha1(await stat(path), async () => {
    const hash = createHash('sha1');
    for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(piece as Buffer);
    return hash.digest('hex');
  });
}

/** The identity of one version of a file, as fileSha1 memoises it. */
export type FileVersion = Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>;

/**
 * The memoised sha1 of a file version, or `compute()` registered as it (a caller that holds the file's
 * bytes already hashes them without reading the file again; fileSha1 then shares that hash).
 */
export function memoisedSha1(version: FileVersion, compute: () => Promise<string>): Promise<string> {
  const key = versionKey(version);
  const known = recentHashes.get(key);
  if (known !== undefined) return known.hash;
  const entry: { hash: Promise<string>; value?: string } = { hash: compute() };
  entry.hash.then((value) => (entry.value = value)).catch(() => recentHashes.delete(key));
  recentHashes.set(key, entry);
  if (recentHashes.size > RECENT_HASHES) recentHashes.delete(recentHashes.keys().next().value!);
  return entry.hash;
}

/** The sha1 of a file version when it was hashed already (not while hashing), else undefined. */
export function knownSha1(version: FileVersion): string | undefined {
  return recentHashes.get(versionKey(version))?.value;
}

function versionKey(version: FileVersion): string {
  return `${version.dev}:${version.ino}:${version.size}:${version.mtimeMs}`;
}

const RECENT_HASHES = 8;
const recentHashes = new Map<string, { hash: Promise<string>; value?: string }>();

/** The sidecar as written, unverified (cheap: to decide what to do before loading), or undefined. */
export async function readSidecar(paths: SnapshotPaths): Promise<SnapshotSidecar | undefined> {
  try {
    const sidecar = JSON.parse(await readFile(paths.sidecar, 'utf8')) as SnapshotSidecar;
    return sidecar.format === 1 ? sidecar : undefined;
  } catch {
    return undefined;
  }
}

/** Matches the temporary files of publishSnapshot: `<name>.hnsw.tmp-<pid>-<ms>`, its sidecar's and its int8 copy's. */
const TEMPORARY = /\.hnsw(?:\.json|\.q8)?\.tmp-(\d+)-(\d+)$/;

/**
 * Removes the temporary files of snapshot writes that can no longer finish: written by a process that
 * is gone, or by an earlier process with this one's pid (a container restarts with the same pid) before
 * this one started. A live process's files are left alone (a CLI ingest beside a server). Answers the
 * names removed.
 */
export function removeStaleTemporaries(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const startedAt = Date.now() - process.uptime() * 1000;
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMPORARY.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const path = join(directory, name);
    try {
      const stale = pid === process.pid ? statSync(path).mtimeMs < startedAt : !processAlive(pid);
      if (!stale) continue;
      rmSync(path, { force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: the next open tries again.
    }
  }
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The sidecar if it exists, parses, and matches the index file's size and hash; otherwise undefined. */
export async function readVerifiedSidecar(paths: SnapshotPaths): Promise<SnapshotSidecar | undefined> {
  let sidecar: SnapshotSidecar;
  try {
    sidecar = JSON.parse(await readFile(paths.sidecar, 'utf8')) as SnapshotSidecar;
    const info = await stat(paths.index);
    if (sidecar.format !== 1 || info.size !== sidecar.bytes) return undefined;
  } catch {
    return undefined;
  }
  return (await fileSha1(paths.index)) === sidecar.sha1 ? sidecar : undefined;
}

/**
 * Publishes a snapshot atomically: `writeIndex` writes a temporary file, which is hashed and renamed
 * over the old index; the sidecar is renamed last, so a crash in between leaves a sidecar whose size or
 * hash does not match, and the next open rebuilds. `quantize`, when given, derives the int8 copy from
 * the index's bytes (read once, hashed from memory) and that copy is renamed before the sidecar too; it
 * names the index's sha1, so one left beside another snapshot by a crash is never taken for its copy.
 */
export async function publishSnapshot(
  directory: string,
  paths: SnapshotPaths,
  writeIndex: (path: string) => Promise<void>,
  sidecar: Omit<SnapshotSidecar, 'bytes' | 'sha1' | 'writtenAt' | 'format'>,
  quantize?: (indexBytes: Buffer, sha1: string) => Promise<Buffer | undefined>,
): Promise<void> {
  await mkdir(directory, { recursive: true });
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  const temporaryIndex = `${paths.index}${suffix}`;
  const temporarySidecar = `${paths.sidecar}${suffix}`;
  const temporaryQuantized = `${paths.quantized}${suffix}`;
  try {
    await writeIndex(temporaryIndex);
    const version = await stat(temporaryIndex);
    let sha1: string;
    let quantized: Buffer | undefined;
    const indexBytes = quantize === undefined ? undefined : await readAligned(temporaryIndex);
    if (indexBytes === undefined) {
      sha1 = await fileSha1(temporaryIndex);
    } else {
      sha1 = await memoisedSha1(version, async () => createHash('sha1').update(indexBytes).digest('hex'));
      quantized = await quantize!(indexBytes, sha1);
    }
    const full: SnapshotSidecar = { format: 1, ...sidecar, bytes: version.size, sha1, writtenAt: new Date().toISOString() };
    await writeFile(temporarySidecar, `${JSON.stringify(full, null, 2)}\n`);
    if (quantized !== undefined) await writeFile(temporaryQuantized, quantized);
    await rename(temporaryIndex, paths.index);
    if (quantized !== undefined) await rename(temporaryQuantized, paths.quantized);
    else await rm(paths.quantized, { force: true });
    await rename(temporarySidecar, paths.sidecar);
  } finally {
    await rm(temporaryIndex, { force: true });
    await rm(temporarySidecar, { force: true });
    await rm(temporaryQuantized, { force: true });
  }
}

/** Pieces read per call (each in libuv's thread pool, off this thread). */
const READ_PIECE = 16 << 20;

/** A file's bytes in one buffer of its own (offset 0, so typed views are aligned), or undefined. */
export async function readAligned(path: string): Promise<Buffer | undefined> {
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const bytes = Buffer.allocUnsafeSlow(size);
      for (let at = 0; at < size; ) {
        const { bytesRead } = await handle.read(bytes, at, Math.min(READ_PIECE, size - at), at);
        if (bytesRead === 0) return undefined;
        at += bytesRead;
      }
      return bytes;
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

export async function removeSnapshot(paths: SnapshotPaths): Promise<void> {
  await rm(paths.sidecar, { force: true });
  await rm(paths.quantized, { force: true });
  await rm(paths.index, { force: true });
}
