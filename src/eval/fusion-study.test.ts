import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Qrels } from './evaluate-run.js';
import { formatFusionStudy, runFusionStudy } from './fusion-study.js';
import { formatTrecRun, parseTrecRun } from './trec-run.js';

test('fusion study scores every method and weight on synthetic arms', () => {
  // q1: lexical has the relevant r1 at rank 2, dense at rank 1 with a wide margin.
  // q2: lexical has r2 at rank 1, dense lacks it.
  const qrels: Qrels = new Map([['q1', new Map([['r1', 1]])], ['q2', new Map([['r2', 1]])]]);
  const lexical = new Map([
    ['q1', [{ id: 'x', score: 10 }, { id: 'r1', score: 9.5 }]],
    ['q2', [{ id: 'r2', score: 8 }, { id: 'y', score: 2 }]],
  ]);
  const dense = new Map([
    ['q1', [{ id: 'r1', score: 0.9 }, { id: 'x', score: 0.1 }]],
    ['q2', [{ id: 'y', score: 0.7 }, { id: 'z', score: 0.6 }]],
  ]);
  const rows = runFusionStudy({ lexical, dense, qrels, weights: [0, 0.5, 1] });
  assert.equal(rows.length, 2 + 3 * 5);
  const row = (method: string, weight: number | null) => rows.find((r) => r.method === method && r.lexicalWeight === weight);
  // lexical: q1 nDCG = 1/log2(3) = 0.6309, q2 = 1 -> 0.8155
  assert.ok(Math.abs((row('lexical', null)?.ndcgAt10 ?? 0) - (1 / Math.log2(3) + 1) / 2) < 1e-9);
  // dense: q1 1, q2 0 -> 0.5
  assert.equal(row('dense', null)?.ndcgAt10, 0.5);
  // min-max at w = 0.5, q1: lexical x 1, r1 0 (two candidates span [0, 1]); dense r1 1, x 0 ->
  // x = 0.5, r1 = 0.5, a tie broken by best rank (both 1), then first appearance (x) -> 0.6309.
  // q2: r2 = 0.5*1 + 0.5*0 (dense floor) = 0.5, y = 0.5*0 + 0.5*1 = 0.5, tie -> r2 first -> 1. Mean 0.8155.
  assert.ok(Math.abs((row('score-min-max', 0.5)?.ndcgAt10 ?? 0) - (1 / Math.log2(3) + 1) / 2) < 1e-9);
  // max at w = 0.5, q1: lexical x 1, r1 0.95; dense r1 1, x 1/9 -> r1 0.975 > x 0.5556.
  // q2: lexical r2 1, y 0.25 (floor 0.25); dense y 1, z 6/7 (floor 6/7) -> r2 0.9286 > y 0.625. Mean 1.
  assert.equal(row('score-max', 0.5)?.ndcgAt10, 1);
  // adaptive at w = 0.5: q1 dense top {r1, x} both among lexical's candidates -> agreement 1 -> min-max at
  // 0.5 (0.6309); q2 dense top {y, z}: y found, z not -> agreement 0.5, w = 0.75 -> r2 first -> 1.
  assert.ok(Math.abs((row('adaptive', 0.5)?.ndcgAt10 ?? 0) - (1 / Math.log2(3) + 1) / 2) < 1e-9);
  assert.match(formatFusionStudy(rows), /score-max\s+0\.50 1\.0000\s+1\.0000\s+1\.0000 \*/);
});

test('TREC run files round-trip and are re-sorted by score', () => {
  const run = new Map([['q1', [{ id: 'd1', score: 2.5 }, { id: 'd2', score: 1 }]]]);
  const text = formatTrecRun(run, 'lexical');
  assert.equal(text, 'q1 Q0 d1 1 2.5 lexical\nq1 Q0 d2 2 1 lexical\n');
  assert.deepEqual(parseTrecRun(text), run);
  assert.deepEqual(parseTrecRun('q1 Q0 a 2 0.5 t\nq1 Q0 b 1 0.9 t\n').get('q1')?.map((item) => item.id), ['b', 'a']);
  assert.throws(() => parseTrecRun('q1 Q0 a\n'), /line 1/);
});
