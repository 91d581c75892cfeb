import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../core/cairn-error.js';
import type { UploadStore } from './upload-store.js';

/** Two handles on one fresh, empty upload store: `store`, and `other` as another process would open it. */
export interface UploadStoreUnderTest {
  store: UploadStore;
  other: UploadStore;
  close(): Promise<void>;
}

const isCode = (code: string) => (error: unknown) => error instanceof CairnError && error.code === code;

/** A body that yields `bytes` in pieces of `piece` bytes, then fails with `failure` when given. */
function body(bytes: Buffer, piece = 64 * 1024, failure?: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let start = 0; start < bytes.length; start += piece) yield bytes.subarray(start, start + piece);
      if (failure) throw failure;
    })(),
    { objectMode: false },
  );
}

/**
 * The UploadStore contract (local disk, PostgreSQL, S3). Each case uses its own upload id; the store is
 * shared by the cases.
 */
export function uploadStoreContract(name: string, open: () => Promise<UploadStoreUnderTest>): void {
  describe(`UploadStore contract: ${name}`, () => {
    let under: UploadStoreUnderTest;
    before(async () => {
      under = await open();
    });
    after(async () => {
      await under.close();
    });

    it('stores files under nested names and streams them back, to another handle too', async () => {
      const id = randomUUID();
      const a = Buffer.from('# Handbook\n\nVacation is 25 days.\n');
      assert.equal(await under.store.put(id, 'docs/guide/handbook.md', body(a, 7)), a.length);
      assert.equal(await under.store.put(id, 'empty.txt', body(Buffer.alloc(0))), 0);
      assert.deepEqual(await under.other.files(id), ['docs/guide/handbook.md', 'empty.txt']);
      assert.deepEqual(await buffer(await under.other.get(id, 'docs/guide/handbook.md')), a);
      assert.equal((await buffer(await under.other.get(id, 'empty.txt'))).length, 0);
      await under.store.delete(id);
    });

    it('streams a file larger than one chunk or part, byte for byte', async () => {
      const id = randomUUID();
      const big = randomBytes(12 * 1024 * 1024 + 12_345);
      assert.equal(await under.store.put(id, 'big.bin', body(big, 100_000)), big.length);
      const back = await buffer(await under.other.get(id, 'big.bin'));
      assert.equal(back.length, big.length);
      assert.ok(back.equals(big), 'the bytes read back are the bytes stored');
      await under.store.delete(id);
    });

    it('refuses a name already stored in the upload and keeps the first file', async () => {
      const id = randomUUID();
      await under.store.put(id, 'a.txt', body(Buffer.from('first')));
      await assert.rejects(under.store.put(id, 'a.txt', body(Buffer.from('second'))), isCode('INPUT_INVALID'));
      assert.equal((await buffer(await under.store.get(id, 'a.txt'))).toString(), 'first');
      await under.store.put(randomUUID(), 'a.txt', body(Buffer.from('another upload may use the name')));
      await under.store.delete(id);
    });

    it('keeps nothing readable of a file whose body failed', async () => {
      const id = randomUUID();
      await under.store.put(id, 'kept.txt', body(Buffer.from('kept')));
      const failure = new Error('client went away');
      await assert.rejects(under.store.put(id, 'cut.bin', body(randomBytes(3 * 1024 * 1024), 256 * 1024, failure)));
      assert.deepEqual(await under.store.files(id), ['kept.txt']);
      await assert.rejects(under.store.get(id, 'cut.bin'), isCode('NOT_FOUND'));
      await under.store.delete(id);
    });

    it('answers NOT_FOUND for a file it does not hold, [] for an unknown upload', async () => {
      await assert.rejects(under.store.get(randomUUID(), 'nothing.txt'), isCode('NOT_FOUND'));
      assert.deepEqual(await under.store.files(randomUUID()), []);
    });

    it('lists the uploads it holds with when they changed; delete removes one whole, twice is fine', async () => {
      const first = randomUUID();
      const second = randomUUID();
      const before = Date.now();
      await under.store.put(first, 'x/1.txt', body(Buffer.from('1')));
      await under.store.put(first, 'x/2.txt', body(Buffer.from('2')));
      await under.store.put(second, '3.txt', body(Buffer.from('3')));
      const listed = await under.other.list();
      const ids = listed.map((upload) => upload.id);
      assert.ok(ids.includes(first) && ids.includes(second), `both uploads listed: ${ids.join(', ')}`);
      for (const upload of listed.filter((entry) => entry.id === first || entry.id === second)) {
        // Clocks: the store's (a file system, a database server, an S3 server) may be a second coarser.
        assert.ok(upload.changedMs >= before - 2000 && upload.changedMs <= Date.now() + 2000, `changedMs of ${upload.id} is about now`);
      }
      await under.other.delete(first);
      await under.other.delete(first);
      assert.deepEqual(await under.store.files(first), []);
      assert.ok(!(await under.store.list()).some((upload) => upload.id === first));
      assert.deepEqual(await under.store.files(second), ['3.txt']);
      await under.store.delete(second);
    });

    it('says where it is without a credential', () => {
      assert.ok(under.store.location.length > 0);
      assert.doesNotMatch(under.store.location, /S3RVER|password|secret/i);
    });
  });
}
