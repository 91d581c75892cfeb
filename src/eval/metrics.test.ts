import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mrrAtK, ndcgAtK, recallAtK } from './metrics.js';

// One query, judged: d2 = 2, d4 = 1, d9 = 1 (never retrieved), d3 = 0 (judged not relevant).
// Ranking: d1 d2 d3 d4 d5.
const relevance = new Map([['d2', 2], ['d4', 1], ['d9', 1], ['d3', 0]]);
const ranked = ['d1', 'd2', 'd3', 'd4', 'd5'];

test('nDCG@5 by hand: gain = rel, discount log2(rank + 1), ideal from all judged documents', () => {
  // DCG@5  = 2/log2(3) + 1/log2(5) = 1.2618595 + 0.4306766 = 1.6925361
  // IDCG@5 = gains sorted 2,1,1 -> 2/log2(2) + 1/log2(3) + 1/log2(4) = 2 + 0.6309298 + 0.5 = 3.1309298
  // nDCG@5 = 1.6925361 / 3.1309298 = 0.5405858
  assert.ok(Math.abs(ndcgAtK(ranked, relevance, 5) - 0.5405858) < 1e-6);
  // nDCG@3: only d2 counts -> 1.2618595 / 3.1309298 = 0.4030303 (ideal still takes the top 3 gains)
  assert.ok(Math.abs(ndcgAtK(ranked, relevance, 3) - 0.4030303) < 1e-6);
  // Not 2^rel - 1: that gain would give (3/log2(3) + 1/log2(5)) / (3 + 1/log2(3) + 0.5) = 0.5624559
  assert.ok(Math.abs(ndcgAtK(ranked, relevance, 5) - 0.5624559) > 0.01);
});

test('nDCG is 1 for the ideal order and 0 without relevant documents', () => {
  assert.equal(ndcgAtK(['d2', 'd4', 'd9'], relevance, 10), 1);
  assert.equal(ndcgAtK(['d1'], relevance, 10), 0);
  assert.equal(ndcgAtK(['d1'], new Map([['d1', 0]]), 10), 0);
});

test('Recall@k = relevant in top k / all relevant (rel > 0)', () => {
  // relevant: d2, d4, d9 (3). Top 5 holds d2, d4 -> 2/3. Top 3 holds d2 -> 1/3.
  assert.ok(Math.abs(recallAtK(ranked, relevance, 5) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(recallAtK(ranked, relevance, 3) - 1 / 3) < 1e-12);
});

test('MRR@k = 1 / rank of the first relevant document within k', () => {
  assert.equal(mrrAtK(ranked, relevance, 10), 1 / 2);
  assert.equal(mrrAtK(ranked, relevance, 1), 0);
  // d3 is judged 0, so it does not count as the first relevant one.
  assert.equal(mrrAtK(['d3', 'd4'], relevance, 10), 1 / 2);
});

test('a duplicate id counts once, at its first position', () => {
  // d2 d2 d4: d2 at rank 1, d4 at rank 2 -> DCG = 2 + 1/log2(3); the repeat does not add gain.
  const expected = (2 + 1 / Math.log2(3)) / (2 + 1 / Math.log2(3) + 0.5);
  assert.ok(Math.abs(ndcgAtK(['d2', 'd2', 'd4'], relevance, 10) - expected) < 1e-12);
  assert.equal(recallAtK(['d2', 'd2'], relevance, 2), 1 / 3);
});
