import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../../core/cairn-error.js';
import { assertPublicGitUrl, isPrivateAddress, resolveAllowedPath, type HostLookup } from './source-guards.js';

function hasCode(code: string) {
  return (error: unknown) => error instanceof CairnError && error.code === code;
}

describe('resolveAllowedPath', () => {
  let base: string;
  let allowed: string;

  before(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'cairn-guards-')));
    allowed = join(base, 'allowed');
    await mkdir(join(allowed, 'docs'), { recursive: true });
    await writeFile(join(allowed, 'docs', 'a.md'), '# A\n');
    await writeFile(join(base, 'secret.md'), 'outside\n');
    await symlink(join(base, 'secret.md'), join(allowed, 'escape.md'));
    await symlink(base, join(allowed, 'escape-dir'));
    await symlink(join(allowed, 'docs'), join(allowed, 'inner-link'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('returns the real path of a file or directory inside an allowed directory', async () => {
    assert.equal(await resolveAllowedPath(join(allowed, 'docs', 'a.md'), [allowed]), join(allowed, 'docs', 'a.md'));
    assert.equal(await resolveAllowedPath(allowed, [allowed]), allowed);
    assert.equal(await resolveAllowedPath('docs', [join(base, 'missing'), allowed]), join(allowed, 'docs'));
  });

  it('follows a symbolic link that stays inside', async () => {
    assert.equal(await resolveAllowedPath(join(allowed, 'inner-link'), [allowed]), join(allowed, 'docs'));
  });

  it('is off when no directory is allowed, with a hint naming the setting', async () => {
    await assert.rejects(resolveAllowedPath(join(allowed, 'docs'), []), (error: unknown) => {
      assert.ok(error instanceof CairnError);
      assert.equal(error.code, 'PATH_NOT_ALLOWED');
      assert.match(error.hint ?? '', /sources\.allowedDirs/);
      return true;
    });
  });

  it('refuses .. segments even when they would land inside', async () => {
    await assert.rejects(resolveAllowedPath(join(allowed, '..', 'secret.md'), [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath(`${allowed}/docs/../docs/a.md`, [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath('../secret.md', [allowed]), hasCode('PATH_NOT_ALLOWED'));
  });

  it('refuses paths outside and symbolic links that escape', async () => {
    await assert.rejects(resolveAllowedPath(join(base, 'secret.md'), [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath('/etc/passwd', [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath(join(allowed, 'escape.md'), [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath(join(allowed, 'escape-dir', 'secret.md'), [allowed]), hasCode('PATH_NOT_ALLOWED'));
    await assert.rejects(resolveAllowedPath(`${allowed}-sibling`, [allowed]), hasCode('PATH_NOT_ALLOWED'));
  });

  it('says not found for a missing path inside, without probing outside', async () => {
    await assert.rejects(resolveAllowedPath(join(allowed, 'nope.md'), [allowed]), hasCode('SOURCE_NOT_FOUND'));
    await assert.rejects(resolveAllowedPath(join(base, 'nope.md'), [allowed]), hasCode('PATH_NOT_ALLOWED'));
  });
});

describe('isPrivateAddress', () => {
  it('classifies v4 and v6 ranges', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '100.127.255.255', '0.0.0.0', '::1', '::', 'fd00::1', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1']) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });
});

describe('assertPublicGitUrl', () => {
  const resolvesTo = (...addresses: string[]): HostLookup => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

  it('accepts a host with only public addresses', async () => {
    await assertPublicGitUrl('https://git.example.org/org/repo.git', false, resolvesTo('93.184.216.34', '2606:2800:220:1::1'));
    await assertPublicGitUrl('git@git.example.org:org/repo.git', false, resolvesTo('93.184.216.34'));
    await assertPublicGitUrl('https://93.184.216.34/org/repo.git#main', false);
  });

  it('refuses loopback, private and link-local literals and names', async () => {
    for (const url of ['https://127.0.0.1/r.git', 'http://[::1]:8080/r.git', 'https://10.0.0.5/r.git', 'https://169.254.169.254/r.git', 'git://[fd12::1]/r.git', 'ssh://git@192.168.0.2/r.git']) {
      await assert.rejects(assertPublicGitUrl(url, false), hasCode('ADDRESS_NOT_ALLOWED'), url);
    }
    await assert.rejects(assertPublicGitUrl('https://localhost/r.git', false), hasCode('ADDRESS_NOT_ALLOWED'));
    await assert.rejects(assertPublicGitUrl('git@internal.example:org/r.git', false, resolvesTo('100.64.1.1')), hasCode('ADDRESS_NOT_ALLOWED'));
  });

  it('refuses a name when any one of its addresses is private', async () => {
    await assert.rejects(assertPublicGitUrl('https://mixed.example/r.git', false, resolvesTo('93.184.216.34', '10.0.0.1')), (error: unknown) => {
      assert.ok(error instanceof CairnError);
      assert.equal(error.code, 'ADDRESS_NOT_ALLOWED');
      assert.match(error.hint ?? '', /sources\.allowPrivateNetworks/);
      return true;
    });
  });

  it('allows private hosts when configured, but never file: URLs or local paths', async () => {
    await assertPublicGitUrl('https://127.0.0.1/r.git', true);
    await assert.rejects(assertPublicGitUrl('file:///srv/repo.git', true), hasCode('ADDRESS_NOT_ALLOWED'));
    await assert.rejects(assertPublicGitUrl('FILE:///srv/repo.git', false), hasCode('ADDRESS_NOT_ALLOWED'));
    await assert.rejects(assertPublicGitUrl('/srv/repo', true), hasCode('INPUT_INVALID'));
  });

  it('reports a host that does not exist as a missing source, and a resolver failure as a git failure', async () => {
    const failing = (code: string): HostLookup => async () => {
      throw Object.assign(new Error(`getaddrinfo ${code} nowhere.invalid`), { code });
    };
    await assert.rejects(assertPublicGitUrl('https://nowhere.invalid/r.git', false, failing('ENOTFOUND')), hasCode('SOURCE_NOT_FOUND'));
    await assert.rejects(assertPublicGitUrl('https://nowhere.invalid/r.git', false, failing('EAI_AGAIN')), hasCode('GIT_FAILED'));
  });
});
