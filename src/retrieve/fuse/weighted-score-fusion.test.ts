import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuseArms } from './fuse-arms.js';
import { weightedScoreFusion } from './weighted-score-fusion.js';

// lexical: a 10, b 6, c 2 -> min-max a 1, b 0.5, c 0.   dense: c 0.9, a 0.5, d 0.1 -> c 1, a 0.5, d 0.
const lexical = [{ id: 'a', score: 10 }, { id: 'b', score: 6 }, { id: 'c', score: 2 }];
const dense = [{ id: 'c', score: 0.9 }, { id: 'a', score: 0.5 }, { id: 'd', score: 0.1 }];
const close = (actual: number | undefined, expected: number): void => assert.ok(Math.abs((actual ?? NaN) - expected) < 1e-9, `${actual} != ${expected}`);

test('min-max fusion by hand; a missing document gets the list floor (0)', () => {
  // w = 0.7: a = 0.7*1 + 0.3*0.5 = 0.85; b = 0.7*0.5 + 0.3*0 = 0.35; c = 0 + 0.3*1 = 0.3; d = 0
  const fused = weightedScoreFusion([lexical, dense], { weights: [0.7, 0.3] });
  assert.deepEqual(fused.map((item) => item.id), ['a', 'b', 'c', 'd']);
  close(fused[0]?.score, 0.85);
  close(fused[1]?.score, 0.35);
  close(fused[2]?.score, 0.3);
  close(fused[3]?.score, 0);
  // w = 0.3: c = 0.7; a = 0.3 + 0.35 = 0.65; b = 0.15; d = 0
  assert.deepEqual(weightedScoreFusion([lexical, dense], { weights: [0.3, 0.7] }).map((item) => item.id), ['c', 'a', 'b', 'd']);
});

test('z-score fusion by hand', () => {
  // lexical mean 6, sd sqrt(32/3) = 3.2660 -> a 1.2247, b 0, c -1.2247 (floor -1.2247)
  // dense mean 0.5, sd sqrt(0.32/3) = 0.3266 -> c 1.2247, a 0, d -1.2247 (floor -1.2247)
  // w = 0.5: a 0.6124, c 0, b -0.6124, d -1.2247
  const fused = weightedScoreFusion([lexical, dense], { weights: [0.5, 0.5], normalization: 'z-score' });
  assert.deepEqual(fused.map((item) => item.id), ['a', 'c', 'b', 'd']);
  close(fused[0]?.score, 0.5 * Math.sqrt(1.5));
  close(fused[3]?.score, -Math.sqrt(1.5));
});

test('max fusion by hand (lower bound 0)', () => {
  // lexical a 1, b 0.6, c 0.2 (floor 0.2); dense c 1, a 5/9, d 1/9 (floor 1/9)
  // w = 0.5: a = 0.5 + 5/18 = 0.7778; c = 0.1 + 0.5 = 0.6; b = 0.3 + 1/18 = 0.3556; d = 0.1 + 1/18 = 0.1556
  const fused = weightedScoreFusion([lexical, dense], { weights: [0.5, 0.5], normalization: 'max' });
  assert.deepEqual(fused.map((item) => item.id), ['a', 'c', 'b', 'd']);
  close(fused[0]?.score, 0.5 + 5 / 18);
});

test('weight 1 keeps the lexical order; degenerate lists do not divide by zero', () => {
  assert.deepEqual(weightedScoreFusion([lexical, dense], { weights: [1, 0] }).slice(0, 3).map((item) => item.id), ['a', 'b', 'c']);
  const single = weightedScoreFusion([[{ id: 'x', score: 3 }], []], { weights: [0.5, 0.5] });
  assert.deepEqual(single.map((item) => [item.id, item.score]), [['x', 0.5]]);
  const flat = weightedScoreFusion([[{ id: 'x', score: 1 }, { id: 'y', score: 1 }]], { normalization: 'z-score' });
  assert.deepEqual(flat.map((item) => item.score), [0, 0]);
});

test('fuseArms: hybrid reports both arms, a single arm keeps raw scores', () => {
  const fixed = { kind: 'fixed', lexicalWeight: 0.7 } as const;
  const fusedArms = fuseArms([{ id: 1, score: 10 }, { id: 2, score: 6 }], [{ id: 2, score: 0.9 }], fixed);
  assert.equal(fusedArms.lexicalWeight, 0.7);
  const hybrid = fusedArms.chunks;
  assert.deepEqual({ ...hybrid[1], score: 0 }, { chunkId: 2, score: 0, lexical: { rank: 2, score: 6 }, dense: { rank: 1, score: 0.9 } });
  close(hybrid[1]?.score, 0.3);
  assert.deepEqual(fuseArms(null, [{ id: 5, score: 0.4 }], fixed), { chunks: [{ chunkId: 5, score: 0.4, dense: { rank: 1, score: 0.4 } }], lexicalWeight: null });
  assert.deepEqual(fuseArms(null, null, fixed), { chunks: [], lexicalWeight: null });
});
