import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CircuitBreaker } from './circuit-breaker.js';
import { EndpointPool } from './endpoint-pool.js';

test('breaker opens after consecutive failures, admits one trial after the cooldown, and closes on success', () => {
  let now = 1000;
  const breaker = new CircuitBreaker({ failures: 3, cooldownMs: 500, now: () => now });
  breaker.recordFailure();
  breaker.recordFailure();
  breaker.recordSuccess();
  breaker.recordFailure();
  breaker.recordFailure();
  assert.equal(breaker.status().state, 'closed', 'a success resets the count');
  breaker.recordFailure();
  assert.deepEqual(breaker.status(), { state: 'open', consecutiveFailures: 3, retryAt: 1500 });
  assert.equal(breaker.tryAcquire(), false);
  now = 1500;
  assert.equal(breaker.tryAcquire(), true, 'the trial');
  assert.equal(breaker.tryAcquire(), false, 'only one trial at a time');
  breaker.recordSuccess();
  assert.equal(breaker.status().state, 'closed');
  assert.equal(breaker.tryAcquire(), true);
});

test('a failed trial reopens the breaker for another cooldown; a released trial frees the slot', () => {
  let now = 0;
  const breaker = new CircuitBreaker({ failures: 1, cooldownMs: 100, now: () => now });
  breaker.recordFailure();
  now = 100;
  assert.equal(breaker.tryAcquire(), true);
  breaker.release();
  assert.equal(breaker.tryAcquire(), true, 'released slot is free again');
  breaker.recordFailure();
  assert.equal(breaker.status().state, 'open');
  now = 150;
  assert.equal(breaker.tryAcquire(), false);
  now = 200;
  assert.equal(breaker.wouldAllow(), true);
});

test('pool goes round-robin, skips open breakers and prefers endpoints that have not failed this request', () => {
  let now = 0;
  const pool = new EndpointPool({ urls: ['http://a/v1/', 'http://b/v1', 'http://c/v1'], breakerFailures: 1, breakerCooldownMs: 1000, now: () => now });
  const picks = Array.from({ length: 4 }, () => pool.acquire()?.baseUrl);
  assert.deepEqual(picks, ['http://a/v1', 'http://b/v1', 'http://c/v1', 'http://a/v1']);
  const b = pool.endpoints[1];
  assert.ok(b);
  b.breaker.recordFailure();
  assert.deepEqual(Array.from({ length: 3 }, () => pool.acquire()?.baseUrl), ['http://c/v1', 'http://a/v1', 'http://c/v1']);
  const a = pool.endpoints[0];
  assert.ok(a);
  assert.equal(pool.acquire(new Set([a]))?.baseUrl, 'http://c/v1');
  assert.equal(pool.acquire(new Set(pool.endpoints))?.baseUrl, 'http://a/v1', 'repeats a failed one when nothing else is left');
  assert.deepEqual(pool.statuses().map((status) => status.state), ['closed', 'open', 'closed']);
  assert.equal(pool.statuses()[1]?.retryAt, new Date(1000).toISOString());
  for (const endpoint of pool.endpoints) endpoint.breaker.recordFailure();
  assert.equal(pool.acquire(), null);
  now = 1000;
  assert.notEqual(pool.acquire(), null, 'half-open after the cooldown');
});
