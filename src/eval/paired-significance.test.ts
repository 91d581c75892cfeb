import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedTest, regularizedIncompleteBeta } from './paired-significance.js';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test('the paired t-test matches scipy.stats.ttest_rel', () => {
  // scipy 1.x: ttest_rel([0]*5, [1,2,3,4,5]) → t = -4.2426, p = 0.013236 (our t is b − a, so positive).
  const ramp = pairedTest([0, 0, 0, 0, 0], [1, 2, 3, 4, 5]);
  close(ramp.tStatistic, 4.242640687119285, 1e-9, 't');
  close(ramp.tTestP, 0.01323559956368269, 1e-9, 'p');
  // ttest_rel([.5,.6,.7,.4,.3,.9], [.52,.58,.75,.41,.35,.88]) → t = -1.16775, p = 0.295559.
  const small = pairedTest([0.5, 0.6, 0.7, 0.4, 0.3, 0.9], [0.52, 0.58, 0.75, 0.41, 0.35, 0.88]);
  close(small.tStatistic, 1.1677484162422835, 1e-9, 't');
  close(small.tTestP, 0.2955586447345291, 1e-9, 'p');
  close(small.meanDifference, 0.015, 1e-12, 'mean difference');
  // 2 · t.sf(2.0, 10) = 0.073388; I_x(a, a) at x = 1/2 is 1/2.
  close(regularizedIncompleteBeta(10 / (10 + 4), 5, 0.5), 0.07338803477074037, 1e-10, 'I_x');
  close(regularizedIncompleteBeta(0.5, 2, 2), 0.5, 1e-12, 'symmetric I_x');
});

test('the randomisation test approaches the exact sign-flip p, and a fixed seed repeats it', () => {
  // Five positive differences: only the all-plus and all-minus of 2^5 assignments reach |sum| = 15 → p = 1/16.
  const ramp = pairedTest([0, 0, 0, 0, 0], [1, 2, 3, 4, 5]);
  close(ramp.randomisationP, 1 / 16, 0.01, 'randomisation p');
  assert.equal(pairedTest([0, 0, 0, 0, 0], [1, 2, 3, 4, 5]).randomisationP, ramp.randomisationP);
  assert.notEqual(pairedTest([0, 0, 0, 0, 0], [1, 2, 3, 4, 5], { seed: 7 }).randomisationP, ramp.randomisationP);
});

test('a 0.007 gain spread over 40 noisy queries is not significant; the same gain on every query is', () => {
  const base = Array.from({ length: 40 }, (_, i) => 0.4 + 0.3 * Math.sin(i * 1.7));
  // +0.007 on average: +0.107 on half the queries and −0.093 on the other half.
  const noisy = base.map((v, i) => v + (i % 2 === 0 ? 0.107 : -0.093));
  const result = pairedTest(base, noisy);
  close(result.meanDifference, 0.007, 1e-12, 'mean difference');
  assert.ok(result.randomisationP > 0.5 && result.tTestP > 0.5, `p ${result.randomisationP} / ${result.tTestP}`);
  const steady = pairedTest(base, base.map((v, i) => v + 0.007 + (i % 2 === 0 ? 0.001 : -0.001)));
  assert.ok(steady.randomisationP < 0.001 && steady.tTestP < 1e-10, `p ${steady.randomisationP} / ${steady.tTestP}`);
});

test('identical runs: difference 0, p = 1; mismatched lengths are refused', () => {
  const same = pairedTest([0.1, 0.5, 0.9], [0.1, 0.5, 0.9]);
  assert.equal(same.meanDifference, 0);
  assert.equal(same.tTestP, 1);
  assert.equal(same.randomisationP, 1);
  assert.throws(() => pairedTest([1], [1, 2]), RangeError);
});
