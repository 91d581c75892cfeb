import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reciprocalRankFusion } from './reciprocal-rank-fusion.js';

const lexical = [{ id: 'a', score: 10 }, { id: 'b', score: 6 }, { id: 'c', score: 2 }];
const dense = [{ id: 'c', score: 0.9 }, { id: 'a', score: 0.5 }, { id: 'd', score: 0.1 }];

test('RRF with k = 60 by hand', () => {
  // a: 1/61 + 1/62 = 0.0325225; c: 1/63 + 1/61 = 0.0322664; b: 1/62 = 0.0161290; d: 1/63 = 0.0158730
  const fused = reciprocalRankFusion([lexical, dense]);
  assert.deepEqual(fused.map((item) => item.id), ['a', 'c', 'b', 'd']);
  assert.ok(Math.abs((fused[0]?.score ?? 0) - (1 / 61 + 1 / 62)) < 1e-12);
  assert.deepEqual(fused[1]?.arms, [{ rank: 3, score: 2 }, { rank: 1, score: 0.9 }]);
  assert.deepEqual(fused[3]?.arms, [undefined, { rank: 3, score: 0.1 }]);
});

test('RRF weights change the order', () => {
  // weights 1, 3: c = 1/63 + 3/61 = 0.0650547 > a = 1/61 + 3/62 = 0.0647805; d = 3/63 = 0.0476 > b = 1/62
  const fused = reciprocalRankFusion([lexical, dense], { weights: [1, 3] });
  assert.deepEqual(fused.map((item) => item.id), ['c', 'a', 'd', 'b']);
});

test('RRF ties break by best rank, then first appearance; an id repeated in a list counts once', () => {
  const fused = reciprocalRankFusion([[{ id: 'x', score: 1 }, { id: 'x', score: 0.5 }, { id: 'y', score: 0 }], [{ id: 'y', score: 1 }]]);
  // x: 1/61 only (its repeat is ignored); y: 1/63 + 1/61
  assert.deepEqual(fused.map((item) => item.id), ['y', 'x']);
  const tied = reciprocalRankFusion([[{ id: 'p', score: 1 }], [{ id: 'q', score: 1 }]]);
  assert.deepEqual(tied.map((item) => item.id), ['p', 'q']);
  assert.deepEqual(reciprocalRankFusion([[], []]), []);
});
