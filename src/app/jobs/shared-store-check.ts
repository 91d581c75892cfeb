import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';

/** File systems on which SQLite's locks and WAL shared memory do not hold across machines (or at all). */
const NETWORK_FILE_SYSTEMS = new Set(['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ncpfs', '9p', 'afs', 'ceph', 'glusterfs', 'fuse.glusterfs', 'fuse.sshfs', 'fuse.rclone', 'fuse.s3fs', 'davfs', 'fuse.cephfs', 'lustre', 'gpfs']);

/** The file system type holding `path`, from /proc/self/mountinfo text (the longest mount point that contains it). */
export function fileSystemTypeOf(path: string, mountinfo: string): string | undefined {
  let best: { point: string; type: string } | undefined;
  for (const line of mountinfo.split('\n')) {
    // "<id> <parent> <maj:min> <root> <mount point> <options> [optional fields] - <type> <source> <super options>"
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const point = (left.split(' ')[4] ?? '').replace(/\\040/g, ' ');
    const type = right.split(' ')[0] ?? '';
    const inside = point === '/' || path === point || path.startsWith(`${point}/`);
    if (inside && (best === undefined || point.length > best.point.length)) best = { point, type };
  }
  return best?.type;
}

/**
 * What `cairn worker` requires of the store: shared by every process that runs or serves jobs.
 * PostgreSQL (`store.url`) always is. An embedded SQLite file is shared only by the processes of one
 * machine (WAL, file locks, the claims' immediate transactions): allowed there, refused on a network
 * file system, where locks and WAL shared memory do not hold and two machines would corrupt it.
 * Answers the notice to print, or throws STORE_MISCONFIGURED.
 */
export function assertSharedStore(config: CairnConfig, mountinfo = readMountinfo()): string | undefined {
  if (config.store.url !== undefined) return undefined;
  const path = resolve(config.store.path ?? join(config.home, 'cairn.db'));
  const type = mountinfo === undefined ? undefined : fileSystemTypeOf(dirname(path), mountinfo);
  if (type !== undefined && NETWORK_FILE_SYSTEMS.has(type)) {
    throw new CairnError('STORE_MISCONFIGURED', `cairn worker needs a database every process can share; ${path} is an embedded SQLite file on a network file system (${type}), which SQLite cannot share between machines.`, {
      hint: 'Set CAIRN_DATABASE_URL to a PostgreSQL database shared by the API and every worker (see docs/scaling.md), or run `cairn serve` alone, which runs jobs itself.',
      details: { reason: 'not-shared', path, fileSystem: type },
    });
  }
  return `sharing the embedded SQLite database ${path} with the other Cairn processes of this machine (safe on one machine only; several machines need CAIRN_DATABASE_URL, see docs/scaling.md)`;
}

function readMountinfo(): string | undefined {
  try {
    return readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
}
