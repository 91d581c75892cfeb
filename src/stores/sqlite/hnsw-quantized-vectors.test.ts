import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import hnswlib from 'hnswlib-node';
import { clusteredVectors, exactTopK } from '../store-contract-fixtures.js';
import { ensureQuantizedVectors, quantizedCandidates, quantizeSnapshot, readQuantizedVectors } from './hnsw-quantized-vectors.js';
import { fileSha1, readAligned, snapshotPaths, type SnapshotSidecar } from './hnsw-snapshot.js';

const DIMENSIONS = 48;

/** A snapshot of `labels` (some marked deleted) in `directory`, with its sidecar; no int8 copy yet. */
async function writeSnapshot(directory: string, labels: number[], deleted: number[], seed = 3) {
  const vectors = clusteredVectors(labels.length, DIMENSIONS, seed, 6);
  const index = new hnswlib.HierarchicalNSW('cosine', DIMENSIONS);
  index.initIndex(labels.length, 8, 20, 100);
  labels.forEach((label, i) => index.addPoint(Array.from(vectors[i]!), label));
  for (const label of deleted) index.markDelete(label);
  const paths = snapshotPaths(directory, 'c');
  await index.writeIndex(paths.index);
  const sidecar: SnapshotSidecar = {
    format: 1, vectorKey: '1:0', embedder: 'test:v', dimensions: DIMENSIONS, count: labels.length, watermark: Math.max(...labels),
    m: 8, efConstruction: 20, bytes: (await stat(paths.index)).size, sha1: await fileSha1(paths.index), writtenAt: new Date().toISOString(),
  };
  await writeFile(paths.sidecar, JSON.stringify(sidecar));
  const items = labels.map((id, i) => ({ id, vector: vectors[i]! })).filter((item) => !deleted.includes(item.id));
  return { paths, sidecar, items };
}

test('the int8 copy holds every live label, each vector within its stored bound, and its candidates always hold the exact top k', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-q8-'));
  try {
    const labels = Array.from({ length: 3000 }, (_, i) => 5 + i * 2);
    const deleted = [labels[0]!, labels[1234]!, labels[2999]!];
    const { paths, sidecar, items } = await writeSnapshot(directory, labels, deleted);
    assert.equal(await ensureQuantizedVectors(paths, sidecar), true, 'written when missing');
    assert.equal(await ensureQuantizedVectors(paths, sidecar), false, 'left alone when it checks out');
    const read = await readQuantizedVectors(paths.quantized, sidecar, DIMENSIONS);
    assert.ok(read !== undefined);
    assert.deepEqual([...read.ids], items.map((item) => item.id));
    items.forEach((item, row) => {
      let lost = 0;
      for (let d = 0; d < DIMENSIONS; d += 1) lost += (item.vector[d]! - read.scales[row]! * read.codes[row * DIMENSIONS + d]!) ** 2;
      assert.ok(Math.sqrt(lost) <= read.bounds[row]! + 1e-6, `label ${item.id}: the bound covers the rounding`);
    });
    const rows = Int32Array.from(items.keys());
    let candidates = 0;
    for (const query of clusteredVectors(40, DIMENSIONS, 77, 6)) {
      for (const k of [1, 10, 50]) {
        const found = new Set(quantizedCandidates(read, rows, query, k).map((position) => items[position]!.id));
        for (const id of exactTopK(query, items, k)) assert.ok(found.has(id), `true neighbour ${id} (k ${k}) is a candidate`);
        if (k === 10) candidates += found.size;
      }
    }
    assert.ok(candidates / 40 < items.length / 4, `the bound rules most vectors out (${candidates / 40} candidates a query)`);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('an int8 copy that is damaged, truncated, of other dimensions or of another snapshot is refused, then rewritten', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-q8-'));
  try {
    const { paths, sidecar } = await writeSnapshot(directory, Array.from({ length: 400 }, (_, i) => i + 1), []);
    await ensureQuantizedVectors(paths, sidecar);
    const good = await readFile(paths.quantized);
    assert.ok((await readQuantizedVectors(paths.quantized, sidecar, DIMENSIONS)) !== undefined);
    assert.equal(await readQuantizedVectors(paths.quantized, sidecar, 32), undefined, 'other dimensions');
    assert.equal(await readQuantizedVectors(paths.quantized, { ...sidecar, sha1: 'f'.repeat(40) }, DIMENSIONS), undefined, 'of another snapshot (stale)');
    assert.equal(await readQuantizedVectors(paths.quantized, { ...sidecar, count: 399 }, DIMENSIONS), undefined, 'more elements than the snapshot has');
    await writeFile(paths.quantized, good.subarray(0, good.length - 1));
    assert.equal(await readQuantizedVectors(paths.quantized, sidecar, DIMENSIONS), undefined, 'truncated');
    const damaged = Buffer.from(good);
    damaged[damaged.length - 7] = damaged[damaged.length - 7]! ^ 0x40;
    await writeFile(paths.quantized, damaged);
    assert.equal(await readQuantizedVectors(paths.quantized, sidecar, DIMENSIONS), undefined, 'damaged in place (same size)');
    assert.equal(await ensureQuantizedVectors(paths, sidecar), true, 'rewritten from the snapshot');
    assert.deepEqual(await readFile(paths.quantized), good, 'the same bytes as before');

    // A copy of another snapshot left beside this one (a crash between the renames) is stale.
    const other = await mkdtemp(join(tmpdir(), 'cairn-q8-'));
    try {
      const second = await writeSnapshot(other, Array.from({ length: 400 }, (_, i) => i + 1), [], 9);
      await ensureQuantizedVectors(second.paths, second.sidecar);
      await writeFile(paths.quantized, await readFile(second.paths.quantized));
      assert.equal(await readQuantizedVectors(paths.quantized, sidecar, DIMENSIONS), undefined);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
    // Never derived from a snapshot file that no longer matches its sidecar.
    await rm(paths.quantized);
    const index = await readAligned(paths.index);
    index![index!.length - 3] = index![index!.length - 3]! ^ 0x01;
    await writeFile(paths.index, index!);
    assert.equal(await ensureQuantizedVectors(paths, sidecar), false);
    assert.equal(await quantizeSnapshot(Buffer.alloc(10), sidecar.sha1, 400, DIMENSIONS), undefined, 'not an hnswlib file');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
