import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTokenMeter } from './token-meter.js';

describe('createTokenMeter', () => {
  it('has no rate before two tokens', () => {
    const meter = createTokenMeter(() => 0, 0);
    assert.equal(meter.tokensPerSecond, null);
    assert.equal(meter.firstTokenMs, null);
    meter.add(500);
    assert.equal(meter.tokens, 1);
    assert.equal(meter.tokensPerSecond, null);
    assert.equal(meter.firstTokenMs, 500);
  });

  it('counts decode speed from the first token on, leaving time to first token out', () => {
    const meter = createTokenMeter(() => 0, 0);
    meter.add(1000);
    for (let i = 1; i <= 20; i++) meter.add(1000 + i * 50);
    assert.equal(meter.tokens, 21);
    assert.equal(meter.tokensPerSecond, 20);
    assert.equal(meter.firstTokenMs, 1000);
  });

  it('uses its clock when no time is given, and gives no rate for tokens at one instant', () => {
    let clock = 100;
    const meter = createTokenMeter(() => clock);
    meter.add();
    meter.add();
    assert.equal(meter.tokensPerSecond, null);
    clock = 350;
    meter.add();
    assert.equal(meter.tokensPerSecond, 8);
    assert.equal(meter.firstTokenMs, 0);
  });
});
