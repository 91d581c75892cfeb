import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import hnswlib from 'hnswlib-node';
import { clusteredVectors } from '../store-contract-fixtures.js';
import { readSnapshotVectors } from './hnsw-snapshot-vectors.js';
import { fileSha1, type SnapshotSidecar } from './hnsw-snapshot.js';

const DIMENSIONS = 24;

async function writeGraph(directory: string, name: string, labels: number[], deleted: number[]) {
  const vectors = clusteredVectors(labels.length, DIMENSIONS, 5, 3);
  const index = new hnswlib.HierarchicalNSW('cosine', DIMENSIONS);
  index.initIndex(16, 8, 20, 100);
  labels.forEach((label, i) => {
    if (index.getCurrentCount() === index.getMaxElements()) index.resizeIndex(index.getMaxElements() * 2);
    index.addPoint(Array.from(vectors[i]!), label);
  });
  for (const label of deleted) index.markDelete(label);
  const path = join(directory, name);
  await index.writeIndex(path);
  const sidecar: SnapshotSidecar = {
    format: 1, vectorKey: '1:0', embedder: 'test:v', dimensions: DIMENSIONS, count: labels.length, watermark: Math.max(...labels),
    m: 8, efConstruction: 20, bytes: (await stat(path)).size, sha1: await fileSha1(path), writtenAt: new Date().toISOString(),
  };
  return { path, sidecar, vectors: new Map(labels.map((label, i) => [label, vectors[i]!])) };
}

test('the vectors of a snapshot are read with their labels, deleted elements left out', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-snapvec-'));
  try {
    // Labels far apart, one above 2^31 (hnswlib-node passes labels as 32-bit unsigned); enough elements to span pieces of the read.
    const labels = Array.from({ length: 8000 }, (_, i) => (i === 7 ? 4_000_000_000 : 10 + i * 3));
    const deleted = [labels[1]!, labels[500]!, labels[7999]!];
    const { path, sidecar, vectors } = await writeGraph(directory, 'a.hnsw', labels, deleted);
    const read = await readSnapshotVectors(path, sidecar, DIMENSIONS);
    assert.ok(read !== undefined);
    assert.equal(await read.verified, true);
    const live = labels.filter((label) => !deleted.includes(label));
    assert.deepEqual([...read.ids].sort((a, b) => a - b), [...live].sort((a, b) => a - b));
    read.ids.forEach((label, i) => {
      const expected = vectors.get(label)!;
      const at = read.offset + read.rows[i]! * read.stride;
      const got = read.matrix.subarray(at, at + DIMENSIONS);
      // hnswlib stores cosine vectors normalised; the fixtures are unit vectors already.
      for (let d = 0; d < DIMENSIONS; d += 1) assert.ok(Math.abs(got[d]! - expected[d]!) < 1e-5, `label ${label} dimension ${d}`);
    });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

test('a damaged, foreign or mismatched snapshot file is refused whole', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-snapvec-'));
  try {
    const { path, sidecar } = await writeGraph(directory, 'b.hnsw', Array.from({ length: 200 }, (_, i) => i + 1), []);
    assert.equal(await readSnapshotVectors(path, { ...sidecar, dimensions: 16 }, 16), undefined, 'other dimensions: the layout does not fit');
    assert.equal(await readSnapshotVectors(path, { ...sidecar, count: 199 }, DIMENSIONS), undefined, 'the header disagrees with the sidecar');
    const bytes = await readFile(path);
    assert.equal(await readSnapshotVectors(path, { ...sidecar, bytes: bytes.length - 4 }, DIMENSIONS), undefined, 'the size differs');
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    const damaged = join(directory, 'damaged.hnsw');
    await writeFile(damaged, bytes);
    // The sha1 is checked after the vectors are answered: the caller drops them when it fails.
    const unverified = await readSnapshotVectors(damaged, sidecar, DIMENSIONS);
    assert.equal(await unverified?.verified, false, 'the sha1 differs');
    assert.equal(await readSnapshotVectors(damaged, sidecar, DIMENSIONS), undefined, 'a file known to differ is not read again');
    assert.equal(await readSnapshotVectors(join(directory, 'missing.hnsw'), sidecar, DIMENSIONS), undefined);
    assert.equal(await (await readSnapshotVectors(path, sidecar, DIMENSIONS))?.verified, true);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
