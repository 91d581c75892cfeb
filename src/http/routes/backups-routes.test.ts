import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHttpTestApp, type HttpTestApp } from '../../testing/http-test-app.js';
import { SHARED_MISSING } from '../../testing/shared-data.js';

let t: HttpTestApp | null = null;
before(async () => {
  t = await startHttpTestApp();
});
after(async () => {
  await t?.close();
});

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('/v1/backups', () => {
  it('needs an admin key: 401 without a key, 403 with read or write', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const { server, app } = t;
    assert.equal((await server.inject({ method: 'GET', url: '/v1/backups' })).statusCode, 401);
    for (const scope of ['read', 'write'] as const) {
      const { key } = await app.keys.create(`${scope} key`, [scope]);
      for (const method of ['GET', 'POST'] as const) {
        const response = await server.inject({ method, url: '/v1/backups', headers: { authorization: `Bearer ${key}` } });
        assert.equal(response.statusCode, 403, `${method} with ${scope}: ${response.body}`);
        assert.equal(response.json().code, 'FORBIDDEN');
      }
    }
  });

  it('before any backup: an empty list, and no backup gauge samples in /metrics', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const listed = await t.server.inject({ method: 'GET', url: '/v1/backups', headers: t.auth });
    assert.equal(listed.statusCode, 200, listed.body);
    assert.deepEqual({ ...(listed.json() as Record<string, unknown>), dir: '' }, { dir: '', schedule: null, running: null, last: null, archives: [] });
    const metrics = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of ['cairn_backup_last_success_timestamp_seconds', 'cairn_backup_last_success_age_seconds', 'cairn_backup_last_size_bytes']) {
      assert.equal(sample(metrics, name), undefined, name);
    }
    assert.equal(sample(metrics, 'cairn_backup_failures_total'), 0);
  });

  it('POST ?wait=true answers 201 with the written archive; GET lists it; the gauges describe it', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const created = await t.server.inject({ method: 'POST', url: '/v1/backups?wait=true', headers: t.auth });
    assert.equal(created.statusCode, 201, created.body);
    const { backup } = created.json();
    assert.equal(backup.status, 'succeeded');
    assert.equal(backup.trigger, 'api');
    assert.match(backup.archive.name, /^cairn-backup-\d{8}T\d{6}Z(-\d+)?\.tar\.gz$/);
    const kb = (await t.app.chunks.getCollection('kb'))!;
    assert.deepEqual(backup.counts, { collections: 1, documents: kb.documentCount, chunks: kb.chunkCount, vectors: kb.chunkCount });
    const listed = (await t.server.inject({ method: 'GET', url: '/v1/backups', headers: t.auth })).json();
    assert.equal(listed.archives[0].name, backup.archive.name);
    assert.equal(listed.last.id, backup.id);
    assert.ok(existsSync(join(listed.dir, backup.archive.name)));
    const metrics = (await t.server.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(sample(metrics, 'cairn_backup_last_size_bytes'), backup.archive.bytes);
    assert.equal(sample(metrics, 'cairn_backup_last_success_timestamp_seconds'), Math.floor(Date.parse(backup.archive.createdAt) / 1000));
    assert.ok((sample(metrics, 'cairn_backup_last_success_age_seconds') ?? -1) >= 0);
  });

  it('POST answers 202 at once with a running backup; a second POST meanwhile is 409 BACKUP_RUNNING', async (context) => {
    if (!t) return context.skip(SHARED_MISSING);
    const accepted = await t.server.inject({ method: 'POST', url: '/v1/backups', headers: t.auth });
    assert.equal(accepted.statusCode, 202, accepted.body);
    const { backup } = accepted.json();
    assert.equal(backup.status, 'running');
    const refused = await t.server.inject({ method: 'POST', url: '/v1/backups', headers: t.auth });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(refused.json().code, 'BACKUP_RUNNING');
    let listed = (await t.server.inject({ method: 'GET', url: '/v1/backups', headers: t.auth })).json();
    while (listed.running !== null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      listed = (await t.server.inject({ method: 'GET', url: '/v1/backups', headers: t.auth })).json();
    }
    assert.equal(listed.last.id, backup.id);
    assert.equal(listed.last.status, 'succeeded', listed.last.error);
  });
});
