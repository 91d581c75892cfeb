import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FNV_OFFSET, FNV_PRIME } from './segment-cache.js';
import { VocabTable } from './vocab-table.js';

function codes(text: string): Uint16Array {
  return Uint16Array.from(text, (char) => char.charCodeAt(0));
}

function hashOf(buffer: Uint16Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let index = start; index < end; index++) hash = Math.imul(hash ^ (buffer[index] as number), FNV_PRIME);
  return hash;
}

test('VocabTable finds every key by a run of code units, and nothing else', () => {
  const entries: Array<[string, number]> = [['un', 7], ['##able', 8], ['unable', 9], ['a', 1], ['é', 2], ['', 3]];
  for (let i = 0; i < 2000; i++) entries.push([`tok${i}`, 100 + i]);
  const table = new VocabTable(entries);
  assert.equal(table.longestKey, 7);
  const buffer = codes('xxunablexx');
  assert.equal(table.find(buffer, 2, 8, hashOf(buffer, 2, 8)), 9);
  assert.equal(table.find(buffer, 2, 4, hashOf(buffer, 2, 4)), 7);
  assert.equal(table.find(buffer, 4, 8, hashOf(buffer, 4, 8)), -1, 'a continuation key is stored with its prefix');
  assert.equal(table.find(buffer, 0, 2, hashOf(buffer, 0, 2)), -1);
  assert.equal(table.find(codes('é'), 0, 1, hashOf(codes('é'), 0, 1)), 2);
  for (let i = 0; i < 2000; i += 97) {
    const key = codes(`..tok${i}`);
    assert.equal(table.find(key, 2, key.length, hashOf(key, 2, key.length)), 100 + i);
  }
  // A wrong hash for the right text misses: the caller's hash is trusted, not recomputed.
  assert.equal(table.find(buffer, 2, 8, hashOf(buffer, 2, 8) ^ 1), -1);
  // The empty key is not stored.
  assert.equal(table.find(buffer, 3, 3, FNV_OFFSET), -1);
});
