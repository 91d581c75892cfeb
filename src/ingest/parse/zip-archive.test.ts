import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildZip, deflatedZeros, type ZipSpec } from '../../testing/build-zip.js';
import { sharedPath, SHARED_MISSING } from '../../testing/shared-data.js';
import { DEFAULT_PARSE_LIMITS, type ZipLimits } from './parse-limits.js';
import { openZipArchive } from './zip-archive.js';

const limits = DEFAULT_PARSE_LIMITS.zip;
const open = (bytes: Buffer, more: Partial<ZipLimits> = {}) => openZipArchive(bytes, 'a.docx', 'DOCX', { ...limits, ...more });
const text = (size: number) => Buffer.from('lorem ipsum dolor sit amet '.repeat(Math.ceil(size / 27)).slice(0, size));

test('every real DOCX fixture passes the default limits and each entry reads back with its CRC', async (t) => {
  const root = sharedPath('data/files');
  if (!root) return t.skip(SHARED_MISSING);
  const paths = [
    ...readdirSync(join(root, 'docx')).map((name) => join(root, 'docx', name)),
    ...readdirSync(join(root, 'tricky')).filter((name) => name.endsWith('.docx')).map((name) => join(root, 'tricky', name)),
  ];
  assert.ok(paths.length >= 20);
  for (const path of paths) {
    const archive = open(readFileSync(path));
    assert.ok(archive.get('word/document.xml'), path);
    for (const entry of archive.entries) assert.equal(archive.read(entry).length, entry.uncompressedSize, `${path} ${entry.name}`);
  }
});

test('an entry compressed past maxRatio is PARSE_BOMB naming the entry, the ratio and the key; small entries are exempt', async () => {
  const zeros = await deflatedZeros(8 * 1024 * 1024);
  const bomb = buildZip([{ name: 'word/document.xml', data: text(100) }, { name: 'word/media/zeros.bin', compressed: zeros }]);
  assert.throws(() => open(bomb), (error: { code?: string; message?: string; hint?: string }) => {
    assert.equal(error.code, 'PARSE_BOMB');
    assert.match(error.message ?? '', /entry "word\/media\/zeros\.bin" declares 8\.0 MiB \(8388608 bytes\) from \d+ bytes compressed, a ratio of \d+:1, over the limit of 100:1 \(ingest\.limits\.zip\.maxRatio\)/);
    assert.match(error.hint ?? '', /raise the limit/);
    return true;
  });
  // The same archive is accepted when the operator raises the ratio.
  assert.equal(open(bomb, { maxRatio: 2000 }).entries.length, 2);
  // 512 KiB of zeros (ratio ~500:1) is under the 1 MiB grace: a small, very repetitive XML part is not a bomb.
  assert.equal(open(buildZip([{ name: 'word/styles.xml', compressed: await deflatedZeros(512 * 1024) }])).entries.length, 1);
});

test('many small entries that add up past maxRatio of the whole file are PARSE_BOMB', async () => {
  const zeros = await deflatedZeros(512 * 1024);
  const entries: ZipSpec[] = Array.from({ length: 8 }, (_, index) => ({ name: `part${index}.xml`, compressed: zeros }));
  assert.throws(() => open(buildZip(entries)), { code: 'PARSE_BOMB', message: /its entries declare 4\.0 MiB .* from a \d+ bytes file, a ratio of \d+:1, over the limit of 100:1 \(ingest\.limits\.zip\.maxRatio\)/ });
});

test('a total declared size over maxUncompressedBytes at an ordinary ratio is PARSE_TOO_LARGE naming the key', () => {
  const archive = buildZip([{ name: 'a.xml', data: text(4000), method: 0 }, { name: 'b.xml', data: text(4000), method: 0 }]);
  assert.throws(() => open(archive, { maxUncompressedBytes: 5000 }), (error: { code?: string; message?: string; hint?: string }) => {
    assert.equal(error.code, 'PARSE_TOO_LARGE');
    assert.match(error.message ?? '', /DOCX too large: its entries declare 8000 bytes uncompressed, over the limit of 5000 bytes \(ingest\.limits\.zip\.maxUncompressedBytes\)/);
    assert.match(error.hint ?? '', /Raise ingest\.limits\.zip\.maxUncompressedBytes/);
    return true;
  });
});

test('more entries than maxEntries is PARSE_BOMB, refused from the end record before the directory is read', () => {
  const entries = Array.from({ length: 50 }, (_, index) => ({ name: `e${index}.xml`, data: Buffer.from('x') }));
  assert.throws(() => open(buildZip(entries), { maxEntries: 40 }), { code: 'PARSE_BOMB', message: /50 entries, over the limit of 40 \(ingest\.limits\.zip\.maxEntries\)/ });
  assert.equal(open(buildZip(entries), { maxEntries: 50 }).entries.length, 50);
});

test('a central directory that declares less than the entry inflates to: inflation stops at the declared size, PARSE_BOMB', async () => {
  const zeros = await deflatedZeros(64 * 1024 * 1024);
  const archive = open(buildZip([{ name: 'word/document.xml', compressed: zeros, declaredSize: 1000 }]));
  const entry = archive.get('word/document.xml')!;
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => archive.read(entry), (error: { code?: string; message?: string; hint?: string }) => {
    assert.equal(error.code, 'PARSE_BOMB');
    assert.match(error.message ?? '', /entry "word\/document\.xml" inflates past the 1000 bytes its central directory declares; inflation was stopped there/);
    assert.match(error.hint ?? '', /misstates its sizes/);
    return true;
  });
  // Stopped after one output chunk: nowhere near the 64 MiB the entry would inflate to.
  assert.ok(process.memoryUsage().arrayBuffers - before < 8 * 1024 * 1024);
});

test('entries that share bytes (the overlapping-file construction) are PARSE_BOMB', () => {
  const archive = buildZip([{ name: 'a.xml', data: text(2000) }, { name: 'b.xml', data: text(2000), offset: 0 }]);
  assert.throws(() => open(archive), { code: 'PARSE_BOMB', message: /entries "a\.xml" and "b\.xml" overlap|entries "b\.xml" and "a\.xml" overlap/ });
});

test('ZIP64 sizes are read from the ZIP64 records, so a bomb cannot hide behind saturated fields', async () => {
  const small = buildZip([{ name: 'word/document.xml', data: text(3000) }], { zip64: true });
  const archive = open(small);
  assert.equal(archive.read(archive.get('word/document.xml')!).toString(), text(3000).toString());
  const zeros = await deflatedZeros(4 * 1024 * 1024);
  const huge = buildZip([{ name: 'word/document.xml', compressed: zeros, declaredSize: 2 ** 40 }], { zip64: true });
  assert.throws(() => open(huge), { code: 'PARSE_BOMB', message: /declares 1024\.0 GiB \(1099511627776 bytes\)/ });
});

test('damaged archives are PARSE_CORRUPT, encrypted entries PARSE_ENCRYPTED, other methods PARSE_UNSUPPORTED', () => {
  const good = buildZip([{ name: 'a.xml', data: text(500) }]);
  assert.throws(() => open(good.subarray(0, good.length - 10)), { code: 'PARSE_CORRUPT', message: /no end of central directory record/ });
  assert.throws(() => open(Buffer.concat([good.subarray(0, 40), good.subarray(60)])), { code: 'PARSE_CORRUPT' });
  const flipped = Buffer.from(good);
  flipped[40] = (flipped[40] ?? 0) ^ 0xff;
  assert.throws(() => {
    const archive = open(flipped);
    archive.read(archive.entries[0]!);
  }, { code: 'PARSE_CORRUPT' });
  const encrypted = open(buildZip([{ name: 'a.xml', data: text(500), flags: 1 }]));
  assert.throws(() => encrypted.read(encrypted.entries[0]!), { code: 'PARSE_ENCRYPTED' });
  const bzip2 = open(buildZip([{ name: 'a.xml', data: text(500), method: 12 }]));
  assert.throws(() => bzip2.read(bzip2.entries[0]!), { code: 'PARSE_UNSUPPORTED', message: /compression method 12/ });
  const short = open(buildZip([{ name: 'a.xml', data: text(500), declaredSize: 600 }]));
  assert.throws(() => short.read(short.entries[0]!), { code: 'PARSE_CORRUPT', message: /holds 500 bytes, its central directory declares 600/ });
});
