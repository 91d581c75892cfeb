import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptiveLexicalWeight, armAgreement, CONFIRMATION_DEPTH } from './arm-agreement.js';
import { fuseArms } from './fuse-arms.js';

const items = (ids: number[], top = 10): { id: number; score: number }[] => ids.map((id, index) => ({ id, score: top - index * 0.01 }));
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, index) => from + index);

test('agreement: share of the dense top 10 found among the first 100 lexical candidates', () => {
  const lexical = items(range(1, 200));
  assert.equal(armAgreement(lexical, items(range(1, 10))), 1);
  assert.equal(armAgreement(lexical, items([1, 2, 3, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 4])), 0.3, 'only the top 10 of dense count');
  // Found deeper than CONFIRMATION_DEPTH in lexical: not confirmed.
  assert.equal(armAgreement(lexical, items(range(CONFIRMATION_DEPTH + 1, 10))), 0);
  assert.equal(armAgreement(lexical, items([5, 9999])), 0.5, 'a short dense list is judged on what it has');
  assert.equal(armAgreement([], items([1])), 0);
  assert.equal(armAgreement(lexical, []), 0);
});

test('adaptive weight: the dense share scales with agreement, from none to 1 - minLexicalWeight', () => {
  const lexical = items(range(1, 100));
  assert.equal(adaptiveLexicalWeight(lexical, items(range(1, 10)), 0.6), 0.6);
  assert.equal(adaptiveLexicalWeight(lexical, items(range(500, 10)), 0.6), 1);
  assert.ok(Math.abs(adaptiveLexicalWeight(lexical, items([1, 2, 3, 4, 5, 501, 502, 503, 504, 505]), 0.6) - 0.8) < 1e-12);
});

test('adaptive fusion keeps the lexical order when the dense arm retrieves what lexical never reached', () => {
  // Dense puts the lexical second-best first, then nine chunks lexical never reached (agreement 0.1).
  const lexical = [{ id: 1, score: 10 }, { id: 2, score: 9.5 }, { id: 3, score: 2 }];
  const dense = [{ id: 2, score: 0.9 }, ...items(range(100, 9), 0.6)];
  // Fixed w 0.6: chunk 2 = 0.6 * 0.9375 + 0.4 * 1 = 0.9625 overtakes chunk 1 = 0.6.
  const fixed = fuseArms(lexical, dense, { kind: 'fixed', lexicalWeight: 0.6 });
  assert.deepEqual(fixed.chunks.slice(0, 2).map((chunk) => chunk.chunkId), [2, 1]);
  // Adaptive: w = 1 - 0.4 * 0.1 = 0.96; chunk 1 = 0.96, chunk 2 = 0.96 * 0.9375 + 0.04 = 0.94.
  const adaptive = fuseArms(lexical, dense, { kind: 'adaptive', minLexicalWeight: 0.6 });
  assert.ok(Math.abs((adaptive.lexicalWeight ?? 0) - 0.96) < 1e-12);
  assert.deepEqual(adaptive.chunks.slice(0, 2).map((chunk) => chunk.chunkId), [1, 2]);
});
