import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore, type SqliteStore } from './open-sqlite-store.js';

// The behaviour every KeyStore shares is in key-store.contract.ts (sqlite-app-contracts.test.ts).
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

  it('keys survive reopening the database', async () => {
    const { key } = await store.keys.create('durable', ['read']);
    await store.close();
    store = await openSqliteStore({ path, lexicalAnalyzer: (text) => text });
    assert.equal((await store.keys.verify(key))?.name, 'durable');
  });
});
