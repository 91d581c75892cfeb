import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seededRandom } from '../core/seeded-random.js';
import { exactMatrixSearch, exactVectorSearch } from './exact-vector-search.js';

test('exact top-k by dot product, ties by id, wrong dimensions skipped', () => {
  const query = Float32Array.from([1, 0]);
  const vectors: [number, Float32Array][] = [
    [1, Float32Array.from([0, 1])],
    [2, Float32Array.from([0.6, 0.8])],
    [3, Float32Array.from([1, 0])],
    [4, Float32Array.from([0.6, -0.8])],
    [5, Float32Array.from([1, 0, 0])],
  ];
  assert.deepEqual(exactVectorSearch(query, vectors, 3).map((hit) => hit.chunkId), [3, 2, 4]);
  assert.deepEqual(exactVectorSearch(query, vectors, 0), []);
});

test('agrees with a full sort on many random vectors (exercises the 2k buffer)', () => {
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return (seed / 2147483648) * 2 - 1;
  };
  const vectors: [number, Float32Array][] = Array.from({ length: 2000 }, (_, index) => [index + 1, Float32Array.from({ length: 8 }, random)]);
  const query = Float32Array.from({ length: 8 }, random);
  const dot = (vector: Float32Array): number => vector.reduce((sum, value, index) => sum + value * (query[index] as number), 0);
  const expected = [...vectors].sort((a, b) => dot(b[1]) - dot(a[1])).slice(0, 25).map(([id]) => id);
  assert.deepEqual(exactVectorSearch(query, vectors, 25).map((hit) => hit.chunkId), expected);
});

test('exactMatrixSearch ranks a row-major matrix as exactVectorSearch ranks its rows', () => {
  const random = seededRandom(3);
  const dimensions = 8;
  const rows = Array.from({ length: 300 }, () => Float32Array.from({ length: dimensions }, () => random() - 0.5));
  const ids = rows.map((_, i) => 1000 + i);
  const matrix = new Float32Array((rows.length + 10) * dimensions);
  rows.forEach((row, i) => matrix.set(row, i * dimensions));
  const query = Float32Array.from({ length: dimensions }, () => random() - 0.5);
  assert.deepEqual(exactMatrixSearch(query, ids, matrix, 7), exactVectorSearch(query, rows.map((row, i) => [ids[i]!, row] as [number, Float32Array]), 7));
  assert.deepEqual(exactMatrixSearch(query, ids, matrix, 0), []);
});
