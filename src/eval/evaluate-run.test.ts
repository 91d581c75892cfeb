import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateRun, type Qrels } from './evaluate-run.js';

test('evaluateRun averages over judged queries; a judged query missing from the run scores 0', () => {
  const qrels: Qrels = new Map([
    ['q1', new Map([['d2', 2], ['d4', 1], ['d9', 1], ['d3', 0]])],
    ['q2', new Map([['a', 1]])],
    ['q3', new Map([['x', 0]])], // no relevant document: left out
    ['q4', new Map([['b', 1]])], // not in the run: counts as 0
  ]);
  const run = new Map([
    ['q1', ['d1', 'd2', 'd3', 'd4', 'd5']],
    ['q2', ['a']],
    ['q3', ['x']],
    ['q9', ['unjudged']],
  ]);
  const result = evaluateRun(run, qrels, { ndcgK: 5, recallK: 5, mrrK: 5 });
  assert.equal(result.queries, 3);
  // nDCG@5: q1 0.5405858 (metrics.test.ts), q2 1, q4 0 -> mean 0.5135286
  assert.ok(Math.abs(result.ndcg - 0.5135286) < 1e-6);
  // Recall@5: q1 2/3, q2 1, q4 0 -> 5/9
  assert.ok(Math.abs(result.recall - 5 / 9) < 1e-12);
  // MRR@5: q1 1/2, q2 1, q4 0 -> 1/2
  assert.ok(Math.abs(result.mrr - 0.5) < 1e-12);
  assert.deepEqual(result.perQuery.map((row) => row.queryId), ['q1', 'q2', 'q4']);
});

test('ignoreIdenticalIds drops a document whose id is the query id', () => {
  const qrels: Qrels = new Map([['q1', new Map([['d1', 1]])]]);
  const run = new Map([['q1', ['q1', 'd1']]]);
  assert.equal(evaluateRun(run, qrels).mrr, 1 / 2);
  assert.equal(evaluateRun(run, qrels, { ignoreIdenticalIds: true }).mrr, 1);
});
