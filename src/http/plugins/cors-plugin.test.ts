import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { createCollection } from '../../app/collections.js';
import { openCairn } from '../../app/open-cairn.js';
import { loadConfig } from '../../config/load-config.js';
import { buildServer } from '../build-server.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

async function serverWith(env: Record<string, string>): Promise<{ server: FastifyInstance; key: string; app: CairnApp }> {
  const home = mkdtempSync(join(tmpdir(), 'cairn-cors-'));
  const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...env } }));
  const server = await buildServer(app, { version: 'test' });
  const { key } = await app.keys.create('test', ['read']);
  cleanups.push(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });
  return { server, key, app };
}

const preflight = (origin: string) => ({
  method: 'OPTIONS' as const,
  url: '/v1/collections',
  headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
});

describe('CORS', () => {
  it('is off by default: no allow headers, preflights are not answered', async () => {
    const { server, key } = await serverWith({});
    const response = await server.inject({ method: 'GET', url: '/v1/collections', headers: { origin: 'https://app.example', authorization: `Bearer ${key}` } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
    const options = await server.inject(preflight('https://app.example'));
    assert.equal(options.headers['access-control-allow-origin'], undefined);
    assert.notEqual(options.statusCode, 204);
  });

  it('allows the configured origins and refuses the others', async () => {
    const { server, key } = await serverWith({ CAIRN_CORS_ORIGINS: 'https://app.example, http://localhost:5173' });
    const allowed = await server.inject(preflight('https://app.example'));
    assert.equal(allowed.statusCode, 204, allowed.body);
    assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(allowed.headers['access-control-allow-headers']), /authorization/);
    assert.match(String(allowed.headers['access-control-allow-methods']), /GET/);

    const refused = await server.inject(preflight('https://evil.example'));
    assert.equal(refused.headers['access-control-allow-origin'], undefined, 'no allow header: the browser refuses');

    const actual = await server.inject({ method: 'GET', url: '/v1/collections', headers: { origin: 'http://localhost:5173', authorization: `Bearer ${key}` } });
    assert.equal(actual.statusCode, 200);
    assert.equal(actual.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(String(actual.headers['access-control-expose-headers']), /retry-after/);
    const other = await server.inject({ method: 'GET', url: '/v1/collections', headers: { origin: 'https://evil.example', authorization: `Bearer ${key}` } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  it('sends the allow headers on event streams too (answers and job progress)', async () => {
    const { server, key, app } = await serverWith({ CAIRN_CORS_ORIGINS: 'https://app.example' });
    const headers = { origin: 'https://app.example', authorization: `Bearer ${key}` };
    await createCollection(app, 'kb', {});
    const asked = await server.inject({ method: 'POST', url: '/v1/ask', headers, payload: { question: 'anything?', collection: 'kb' } });
    assert.equal(asked.statusCode, 200, asked.body);
    assert.match(String(asked.headers['content-type']), /^text\/event-stream/);
    assert.match(asked.body, /event: finish/);
    assert.equal(asked.headers['access-control-allow-origin'], 'https://app.example');
    assert.ok(asked.headers['x-request-id']);
  });

  it('a preflight needs no API key (browsers send none)', async () => {
    const { server } = await serverWith({ CAIRN_CORS_ORIGINS: '*' });
    const response = await server.inject(preflight('https://anywhere.example'));
    assert.equal(response.statusCode, 204);
    assert.equal(response.headers['access-control-allow-origin'], '*');
  });
});
