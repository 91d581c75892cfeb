import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../../../core/cairn-error.js';
import { startTestSite, type TestSite } from '../../../testing/test-site-server.js';
import { guardedFetch, type GuardedFetchOptions } from './guarded-fetch.js';

const hasCode = (code: string, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof CairnError, String(error));
  assert.equal(error.code, code, error.message);
  if (pattern) assert.match(error.message, pattern);
  return true;
};

describe('guardedFetch', () => {
  let site: TestSite;
  const options = (overrides: Partial<GuardedFetchOptions> = {}): GuardedFetchOptions => ({
    userAgent: 'Cairn/test', timeoutMs: 10_000, maxBytes: 1024, maxRedirects: 2, allowPrivateNetworks: true, ...overrides,
  });

  before(async () => {
    site = await startTestSite({
      '/ok': { headers: { 'content-type': 'text/plain' }, body: 'fine' },
      '/to-file': { status: 302, headers: { location: 'file:///etc/passwd' } },
      '/to-ftp': { status: 301, headers: { location: 'ftp://files.example/x' } },
      '/r1': { status: 302, headers: { location: '/r2' } },
      '/r2': { status: 307, headers: { location: '/r3' } },
      '/r3': { status: 308, headers: { location: '/ok' } },
      '/big-declared': { headers: { 'content-length': '5000' }, body: 'x'.repeat(5000) },
      '/big-streamed': { streamBytes: 10 * 1024 * 1024 },
      '/silent': { status: 404 },
    });
  });
  after(() => site.close());

  it('follows redirects hop by hop, checking each one', async () => {
    const seen: string[] = [];
    const response = await guardedFetch(`${site.origin}/r2`, options({ checkHop: (url) => void seen.push(url.pathname) }));
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'fine');
    assert.equal(response.url, `${site.origin}/ok`);
    assert.deepEqual(seen, ['/r2', '/r3', '/ok']);
    assert.equal(site.requests.at(-1)!.headers['user-agent'], 'Cairn/test');
  });

  it('refuses redirects to other schemes, past the cap, and hops the caller refuses', async () => {
    await assert.rejects(guardedFetch(`${site.origin}/to-file`, options()), hasCode('ADDRESS_NOT_ALLOWED', /file:/));
    await assert.rejects(guardedFetch(`${site.origin}/to-ftp`, options()), hasCode('ADDRESS_NOT_ALLOWED', /ftp:/));
    await assert.rejects(guardedFetch(`${site.origin}/r1`, options()), hasCode('FETCH_FAILED', /More than 2 redirects/));
    const before = site.requests.length;
    await assert.rejects(
      guardedFetch(`${site.origin}/r3`, options({ checkHop: (url) => { if (url.pathname === '/ok') throw new CairnError('ROBOTS_DISALLOWED', 'no'); } })),
      hasCode('ROBOTS_DISALLOWED'),
    );
    assert.deepEqual(site.requests.slice(before).map((request) => request.path), ['/r3'], 'the refused hop was not requested');
  });

  it('refuses private addresses unless allowed, before any request', async () => {
    const before = site.requests.length;
    await assert.rejects(guardedFetch(`${site.origin}/ok`, options({ allowPrivateNetworks: false })), hasCode('ADDRESS_NOT_ALLOWED'));
    await assert.rejects(guardedFetch('http://[::ffff:169.254.169.254]/latest/meta-data/', options({ allowPrivateNetworks: false })), hasCode('ADDRESS_NOT_ALLOWED'));
    assert.equal(site.requests.length, before);
  });

  it('caps the body: a declared length at once, a streamed one while reading', async () => {
    await assert.rejects(guardedFetch(`${site.origin}/big-declared`, options()), hasCode('PARSE_TOO_LARGE', /declares 5000 bytes/));
    await assert.rejects(guardedFetch(`${site.origin}/big-streamed`, options({ maxBytes: 64 * 1024 })), hasCode('PARSE_TOO_LARGE', /runs past/));
    const cut = await guardedFetch(`${site.origin}/big-streamed`, options({ maxBytes: 100_000, overflow: 'truncate' }));
    assert.equal(cut.body.length, 100_000);
    assert.equal(cut.truncated, true);
  });

  it('answers other statuses without reading the body, and reports network failures', async () => {
    const missing = await guardedFetch(`${site.origin}/silent`, options());
    assert.equal(missing.status, 404);
    assert.equal(missing.body.length, 0);
    const closed = await startTestSite();
    await closed.close();
    await assert.rejects(guardedFetch(`${closed.origin}/`, options()), hasCode('FETCH_FAILED', /ECONNREFUSED/));
  });
});
