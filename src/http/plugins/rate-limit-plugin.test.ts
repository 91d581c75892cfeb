import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { closedPort } from '../../testing/start-fake-hub.js';
import { buildServer } from '../build-server.js';

interface Instance {
  app: CairnApp;
  server: FastifyInstance;
  key: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** An app with its own home (or a shared one) and a server whose limits are small enough to reach. */
async function instance(rateLimit: Record<string, unknown>, home?: string): Promise<Instance> {
  const dir = home ?? mkdtempSync(join(tmpdir(), 'cairn-rate-'));
  const config = loadConfig({
    cwd: dir,
    env: { CAIRN_HOME: dir, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' },
    flags: { server: { rateLimit } },
  });
  const app = await openCairn(config);
  const server = await buildServer(app, { version: 'test' });
  const { key } = await app.keys.create('test', ['admin']);
  cleanups.push(async () => {
    await server.close();
    await app.close();
    if (!home) rmSync(dir, { recursive: true, force: true });
  });
  return { app, server, key };
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function assertRateLimited(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 429, response.body);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  assert.equal(response.json().code, 'RATE_LIMITED');
  const retryAfter = Number(response.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${response.headers['retry-after']}`);
}

describe('rate limits', () => {
  it('limit each API key on its own: 429 problem+json RATE_LIMITED with Retry-After', async () => {
    const { app, server, key } = await instance({ max: 3, maxPerIp: 100, timeWindowMs: 60_000 });
    const other = (await app.keys.create('other', ['read'])).key;
    for (let i = 0; i < 3; i++) {
      const ok = await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer(key) });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.headers['x-ratelimit-limit'], '3');
    }
    assertRateLimited(await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer(key) }));
    assertRateLimited(await server.inject({ method: 'GET', url: '/v1/search?q=x', headers: bearer(key) }));
    assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer(other) })).statusCode, 200, 'another key has its own budget');
    const unknown = await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer('cairn_not-a-key') });
    assert.equal(unknown.statusCode, 401, 'an unknown key is refused before it could spend a budget');
    const metrics = await server.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^cairn_http_rate_limited_total 2$/m);
  });

  it('limit routes without a key per client IP', async () => {
    const { server } = await instance({ max: 100, maxPerIp: 2, timeWindowMs: 60_000 });
    const from = (remoteAddress: string) => server.inject({ method: 'GET', url: '/healthz', remoteAddress });
    assert.equal((await from('10.0.0.1')).statusCode, 200);
    assert.equal((await from('10.0.0.1')).statusCode, 200);
    assertRateLimited(await from('10.0.0.1'));
    assert.equal((await from('10.0.0.2')).statusCode, 200, 'another address has its own budget');
  });

  it('can be turned off', async () => {
    const { server, key } = await instance({ enabled: false, max: 1 });
    for (let i = 0; i < 3; i++) assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer(key) })).statusCode, 200);
  });

  it('with Redis, two instances share the limit of a key', async (context) => {
    const redis = await startRedis();
    if (typeof redis === 'string') return context.skip(redis);
    cleanups.push(redis.stop);
    const home = mkdtempSync(join(tmpdir(), 'cairn-rate-shared-'));
    const settings = { max: 4, maxPerIp: 100, timeWindowMs: 60_000, redisUrl: redis.url };
    const first = await instance(settings, home);
    const second = await instance(settings, home);
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    // Both servers read the same key store, so one key is valid on both.
    const headers = bearer(first.key);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const server = i % 2 === 0 ? first.server : second.server;
      statuses.push((await server.inject({ method: 'GET', url: '/v1/collections', headers })).statusCode);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429], 'the fifth request overall is refused, whichever instance gets it');
    assertRateLimited(await second.server.inject({ method: 'GET', url: '/v1/collections', headers }));
  });

  it('with Redis unreachable, requests pass', async () => {
    const port = await closedPort();
    const { server, key } = await instance({ max: 1, redisUrl: `redis://127.0.0.1:${port}` });
    for (let i = 0; i < 3; i++) assert.equal((await server.inject({ method: 'GET', url: '/v1/collections', headers: bearer(key) })).statusCode, 200);
  });
});

/** A real redis-server on a free loopback port with its files in a temporary folder, or why there is none. */
async function startRedis(): Promise<{ url: string; stop: () => Promise<void> } | string> {
  if (spawnSync('redis-server', ['--version']).error) {
    return 'skipped: redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)';
  }
  const dir = mkdtempSync(join(tmpdir(), 'cairn-redis-'));
  const port = await closedPort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch {
      // not listening yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
