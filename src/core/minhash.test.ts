import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterFingerprints,
  estimatedJaccard,
  lshBandKeys,
  minhashSignature,
  shingleHashes,
  signatureFromBytes,
  signatureOfShingles,
  signatureToBytes,
} from './minhash.js';
import { seededRandom } from './seeded-random.js';

/** A text of `count` words drawn from a 2,000-word vocabulary. */
function words(seed: number, count: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => `w${Math.floor(random() * 2000)}`);
}

test('an edited copy stays a near-duplicate; an unrelated text does not; a copy shares band keys', () => {
  const original = words(1, 400);
  const edited = [...original];
  for (const at of [40, 160, 300]) edited[at] = 'changed';
  const a = minhashSignature(original.join(' '))!;
  const b = minhashSignature(edited.join(' '))!;
  const c = minhashSignature(words(2, 400).join(' '))!;
  assert.equal(estimatedJaccard(a, minhashSignature(original.join('  ').toUpperCase())!), 1, 'case and spacing do not count');
  assert.ok(estimatedJaccard(a, b) >= 0.8, `edited copy: ${estimatedJaccard(a, b)}`);
  assert.ok(estimatedJaccard(a, c) < 0.1, `unrelated: ${estimatedJaccard(a, c)}`);
  const keysA = new Set(lshBandKeys(a));
  assert.ok(lshBandKeys(b).some((key) => keysA.has(key)));
  assert.ok(!lshBandKeys(c).some((key) => keysA.has(key)));
  assert.ok(lshBandKeys(a).every((key) => Number.isSafeInteger(key) && key >= 0));
  assert.deepEqual(signatureFromBytes(signatureToBytes(a)), a);
  assert.equal(minhashSignature(' ,. '), undefined);
});

test('clusterFingerprints joins chains transitively and names each cluster by its smallest id', () => {
  const base = words(3, 300);
  const step = (from: string[], at: number[]) => from.map((word, i) => (at.includes(i) ? `x${i}` : word));
  const one = base;
  const two = step(one, [50, 150]);
  const three = step(two, [100, 250]);
  const other = words(4, 300);
  const members = [
    { documentId: 7, signature: minhashSignature(three.join(' '))! },
    { documentId: 3, signature: minhashSignature(one.join(' '))! },
    { documentId: 5, signature: minhashSignature(two.join(' '))! },
    { documentId: 4, signature: minhashSignature(other.join(' '))! },
  ];
  assert.deepEqual([...clusterFingerprints(members, 0.8)].sort((x, y) => x[0] - y[0]), [[3, 3], [4, 4], [5, 3], [7, 3]]);
});

test('leaving out shared template shingles separates pages that share only boilerplate', () => {
  // Two generated reference pages: a long shared options block and a short part of their own.
  const template = words(5, 800);
  const a = [...words(6, 120), ...template].join(' ');
  const b = [...words(7, 120), ...template].join(' ');
  assert.deepEqual(signatureOfShingles(shingleHashes(a)), minhashSignature(a));
  assert.ok(estimatedJaccard(minhashSignature(a)!, minhashSignature(b)!) >= 0.7, 'whole pages look like near-duplicates');
  const boilerplate = new Set(shingleHashes(template.join(' ')));
  const own = (text: string) => shingleHashes(text).filter((hash) => !boilerplate.has(hash));
  assert.ok(estimatedJaccard(signatureOfShingles(own(a))!, signatureOfShingles(own(b))!) < 0.2, 'their own parts do not');
  assert.equal(signatureOfShingles([]), undefined);
});

test('commonShingles counts the sets holding each shingle and keeps those at the bound or above', async () => {
  const { commonShingles, signatureWithout } = await import('./minhash.js');
  const sets = [Uint32Array.of(1, 2, 3), Uint32Array.of(2, 3, 4), Uint32Array.of(3, 4_000_000_000), Uint32Array.of(4_000_000_000)];
  assert.deepEqual([...commonShingles(sets, 2)].sort((a, b) => a[0] - b[0]), [[2, 2], [3, 3], [4_000_000_000, 2]]);
  assert.deepEqual([...commonShingles(sets, 4)], []);
  // A set made only of boilerplate keeps all of it: identical copies of a template still match.
  assert.deepEqual(signatureWithout(Uint32Array.of(2, 3), new Set([2, 3])), signatureOfShingles(Uint32Array.of(2, 3)));
  assert.deepEqual(signatureWithout(Uint32Array.of(1, 2, 3), new Set([2, 3])), signatureOfShingles(Uint32Array.of(1)));
});
