import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTick, linearScale, linearTicks, log2Scale, log2Ticks, niceStep, paddedDomain } from './chart-scales.js';

describe('chart scales', () => {
  it('linearScale maps the domain ends onto the range ends, also inverted ranges (SVG y grows down)', () => {
    const y = linearScale([0, 100], [200, 0]);
    assert.equal(y(0), 200);
    assert.equal(y(100), 0);
    assert.equal(y(25), 150);
    assert.equal(linearScale([5, 5], [0, 10])(5), 5);
  });

  it('log2Scale spaces powers of two evenly', () => {
    const x = log2Scale([1, 64], [0, 600]);
    assert.equal(x(1), 0);
    assert.equal(x(8), 300);
    assert.equal(x(64), 600);
    assert.ok(Math.abs(x(2) - x(1) - (x(64) - x(32))) < 1e-9);
  });

  it('niceStep picks 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(100, 5), 20);
    assert.equal(niceStep(1, 4), 0.5);
    assert.equal(niceStep(7, 5), 2);
    assert.equal(niceStep(0, 5), 1);
  });

  it('linearTicks cover the domain with nice round values', () => {
    assert.deepEqual(linearTicks(0, 100, 5), [0, 20, 40, 60, 80, 100]);
    assert.deepEqual(linearTicks(0, 0.9, 3), [0, 0.5, 1]);
    assert.deepEqual(linearTicks(0.1, 0.3, 2), [0.1, 0.2, 0.3]);
    assert.deepEqual(linearTicks(0.05, 0.35, 3), [0, 0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(linearTicks(3, 3), [3]);
    const ticks = linearTicks(12, 187, 5);
    assert.ok(ticks[0]! <= 12 && ticks.at(-1)! >= 187, ticks.join());
    for (const tick of ticks) assert.equal(tick % 50, 0);
  });

  it('log2Ticks are the powers of two around the domain', () => {
    assert.deepEqual(log2Ticks(1, 64), [1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(log2Ticks(3, 100), [2, 4, 8, 16, 32, 64, 128]);
    assert.deepEqual(log2Ticks(1, 1), [1]);
  });

  it('paddedDomain pads both sides, starts at zero on request, and opens up a flat series', () => {
    assert.deepEqual(paddedDomain([10, 20]), [9.5, 20.5]);
    assert.deepEqual(paddedDomain([10, 20], { includeZero: true }), [0, 21]);
    assert.deepEqual(paddedDomain([5, 5]), [4.5, 5.5]);
    assert.deepEqual(paddedDomain([0, 0], { includeZero: true }), [0, 1]);
    assert.deepEqual(paddedDomain([]), [0, 1]);
    assert.deepEqual(paddedDomain([Number.NaN, 2, 4], { padding: 0 }), [2, 4]);
  });

  it('formatTick shortens thousands and millions', () => {
    assert.equal(formatTick(1500), '1.5k');
    assert.equal(formatTick(2_000_000), '2M');
    assert.equal(formatTick(0.123456), '0.123');
    assert.equal(formatTick(40), '40');
  });
});
