import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertTransfers } from './record-transfer.contract.js';
import type { SettingsStore } from './settings-store.js';

/** A settings store under test: fresh and empty. */
export interface SettingsStoreUnderTest {
  settings: SettingsStore;
  close(): Promise<void>;
}

/** The SettingsStore contract; `open` returns a fresh, empty store each time it is called. */
export function settingsStoreContract(name: string, open: () => Promise<SettingsStoreUnderTest>): void {
  describe(`SettingsStore contract: ${name}`, () => {
    let store: SettingsStoreUnderTest;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    it('sets, replaces and removes settings in one update, keeping any JSON value and who set it', async () => {
      assert.deepEqual(await store.settings.all(), {});
      const first = await store.settings.update({ 'answer.sources': 5, 'search.mode': 'hybrid', 'ui.theme': { dark: true, accents: ['a', 'b'] } }, 'key:admin');
      assert.deepEqual(Object.keys(first).sort(), ['answer.sources', 'search.mode', 'ui.theme']);
      assert.deepEqual(first['ui.theme']?.value, { dark: true, accents: ['a', 'b'] });
      assert.equal(first['answer.sources']?.updatedBy, 'key:admin');
      assert.ok(!Number.isNaN(Date.parse(first['answer.sources']?.updatedAt ?? '')));
      const second = await store.settings.update({ 'answer.sources': 8, 'search.mode': null }, null);
      assert.deepEqual(Object.keys(second).sort(), ['answer.sources', 'ui.theme']);
      assert.equal(second['answer.sources']?.value, 8);
      assert.equal(second['answer.sources']?.updatedBy, null);
      assert.deepEqual(await store.settings.all(), second);
    });

    it('copies its settings to another store', async () => {
      await store.settings.update({ 'a.flag': false, 'b.list': [1, 2, 3] }, 'cli');
      const target = await open();
      try {
        await assertTransfers(store.settings, target.settings);
        assert.deepEqual(await target.settings.all(), await store.settings.all());
      } finally {
        await target.close();
      }
    });
  });
}
