import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { CairnError } from '../../core/cairn-error.js';
import { assertSharedStore, fileSystemTypeOf } from './shared-store-check.js';

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '40 22 0:35 / /mnt/nas rw,relatime shared:20 - nfs4 nas:/export rw,vers=4.2',
  '41 22 0:36 / /mnt/nas/local rw - ext4 /dev/sdb1 rw',
  '42 22 0:37 / /srv/my\\040share rw - cifs //host/share rw',
].join('\n');

test('finds the file system of a path by its longest mount point', () => {
  assert.equal(fileSystemTypeOf('/home/me/.cairn', MOUNTINFO), 'ext4');
  assert.equal(fileSystemTypeOf('/mnt/nas/cairn', MOUNTINFO), 'nfs4');
  assert.equal(fileSystemTypeOf('/mnt/nas/local/cairn', MOUNTINFO), 'ext4');
  assert.equal(fileSystemTypeOf('/mnt/nasty', MOUNTINFO), 'ext4');
  assert.equal(fileSystemTypeOf('/srv/my share/db', MOUNTINFO), 'cifs');
});

test('a worker shares PostgreSQL, or SQLite on a local disk, and refuses SQLite on a network file system', () => {
  const config = (env: Record<string, string>) => loadConfig({ cwd: '/tmp', env: { CAIRN_EMBEDDER: 'none', ...env } });
  assert.equal(assertSharedStore(config({ CAIRN_HOME: '/mnt/nas/cairn', CAIRN_DATABASE_URL: 'postgres://cairn@db/cairn' }), MOUNTINFO), undefined);
  assert.match(assertSharedStore(config({ CAIRN_HOME: '/home/me/.cairn' }), MOUNTINFO) ?? '', /one machine only/);
  assert.throws(
    () => assertSharedStore(config({ CAIRN_HOME: '/home/me', CAIRN_DB: '/mnt/nas/cairn/cairn.db' }), MOUNTINFO),
    (error: unknown) => error instanceof CairnError && error.code === 'STORE_MISCONFIGURED' && /network file system \(nfs4\)/.test(error.message) && /CAIRN_DATABASE_URL/.test(error.hint ?? ''),
  );
});
