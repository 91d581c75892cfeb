import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KeyStore } from './key-store.js';
import { assertTransfers, exportAll } from './record-transfer.contract.js';

/** A key store under test: fresh and empty. */
export interface KeyStoreUnderTest {
  keys: KeyStore;
  close(): Promise<void>;
}

/**
 * The KeyStore contract. Every implementation runs these cases through its own `*.test.ts`, with a
 * factory that returns a fresh, empty store each time it is called.
 */
export function keyStoreContract(name: string, open: () => Promise<KeyStoreUnderTest>): void {
  describe(`KeyStore contract: ${name}`, () => {
    let store: KeyStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
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

    it('keeps only a SHA-256 hash of the key', async () => {
      const { record, key } = await store.keys.create('hash check', ['read']);
      const exported = (await exportAll(store.keys)).find((k) => k.id === record.id);
      assert.equal(exported?.hash, createHash('sha256').update(key).digest('hex'));
      for (const value of Object.values(exported ?? {})) assert.ok(!String(value).includes(key.slice(8)), 'no field holds the secret');
    });

    it('a revoked key no longer verifies; revoking an unknown id answers false', async () => {
      const { record, key } = await store.keys.create('temp', ['admin']);
      assert.ok(await store.keys.verify(key));
      assert.equal(await store.keys.revoke(record.id), true);
      assert.equal(await store.keys.verify(key), undefined);
      const revokedAt = (await store.keys.list()).find((k) => k.id === record.id)?.revokedAt;
      assert.ok(revokedAt);
      assert.equal(await store.keys.revoke(record.id), true);
      assert.equal((await store.keys.list()).find((k) => k.id === record.id)?.revokedAt, revokedAt, 'revoking again keeps the first time');
      assert.equal(await store.keys.revoke('nope'), false);
    });

    it('copies its keys, hashes and times included: a copied key verifies in the target', async () => {
      const { key } = await store.keys.create('copied', ['read', 'write']);
      const target = await open();
      try {
        await assertTransfers(store.keys, target.keys);
        assert.equal((await target.keys.verify(key))?.name, 'copied');
        assert.deepEqual((await target.keys.list()).map((k) => k.id), (await store.keys.list()).map((k) => k.id));
      } finally {
        await target.close();
      }
    });
  });
}
