import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { isDeadLocalOwner, jobOwnerId } from './job-owner.js';

test('owner ids are unique per process start and name the host and pid', () => {
  const a = jobOwnerId();
  assert.notEqual(a, jobOwnerId());
  assert.ok(a.startsWith(`${hostname()}:${process.pid}:`));
});

test('only a gone process of this host counts as dead', () => {
  const self = jobOwnerId();
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const deadPid = Number(gone.stdout);
  assert.ok(deadPid > 0);
  assert.equal(isDeadLocalOwner(`${hostname()}:${deadPid}:abcd1234`, self), true);
  assert.equal(isDeadLocalOwner(`other-host:${deadPid}:abcd1234`, self), false, 'another machine: the lease decides');
  assert.equal(isDeadLocalOwner(`${hostname()}:${process.ppid}:abcd1234`, self), false, 'a live process');
  assert.equal(isDeadLocalOwner(`${hostname()}:${process.pid}:00000000`, self), false, 'this process');
  assert.equal(isDeadLocalOwner(self, self), false);
  assert.equal(isDeadLocalOwner('dead-process', self), false, 'an id of another shape');
});
