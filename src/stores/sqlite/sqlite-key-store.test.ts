import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';

describe('SqliteKeyStore', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-keys-'));
    path = join(dir, 'cairn.db');
    store = await openSqliteStore({ path, lexicalAnalyzer: (text) => text });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key shown once, verifies it, and lists it without the secret', async () => {
    const { record, key } = await store.keys.create('ci', ['write']);
    assert.match(key, /^cairn_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.prefix, key.slice(0, 8));
    assert.deepEqual(record.scopes, ['write']);
    const verified = await store.keys.verify(key);
    assert.equal(verified?.id, record.id);
    assert.ok(verified?.lastUsedAt, 'verify records the use');
    assert.equal(await store.keys.verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`), undefined);
    assert.equal(await store.keys.verify('not-a-key'), undefined);
    assert.equal(await store.keys.verify(''), undefined);
    const listed = await store.keys.list();
    const mine = listed.find((k) => k.id === record.id);
    assert.ok(mine);
    assert.ok(!JSON.stringify(listed).includes(key));
    assert.ok(!('hash' in mine));
  });

  it('stores only a SHA-256 hash of the key', async () => {
    const { record, key } = await store.keys.create('hash check', ['read']);
    const raw = new Database(path, { readonly: true });
    try {
      const row = raw.prepare('SELECT * FROM api_keys WHERE id = ?').get(record.id) as Record<string, unknown>;
      assert.equal(row.hash, createHash('sha256').update(key).digest('hex'));
      for (const value of Object.values(row)) assert.ok(!String(value).includes(key.slice(8)), 'no column holds the secret');
    } finally {
      raw.close();
    }
  });

  it('a revoked key no longer verifies; revoking an unknown id answers false', async () => {
    const { record, key } = await store.keys.create('temp', ['admin']);
    assert.ok(await store.keys.verify(key));
    assert.equal(await store.keys.revoke(record.id), true);
    assert.equal(await store.keys.verify(key), undefined);
    assert.ok((await store.keys.list()).find((k) => k.id === record.id)?.revokedAt);
    assert.equal(await store.keys.revoke(record.id), true);
    assert.equal(await store.keys.revoke('nope'), false);
  });

  it('keys survive reopening the database', async () => {
    const { key } = await store.keys.create('durable', ['read']);
    await store.close();
    store = await openSqliteStore({ path, lexicalAnalyzer: (text) => text });
    assert.equal((await store.keys.verify(key))?.name, 'durable');
  });
});
