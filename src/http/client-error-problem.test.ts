import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { openCairn } from '../app/open-cairn.js';
import { loadConfig } from '../config/load-config.js';
import { buildServer } from './build-server.js';

/** Sends raw bytes and reads until the server closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('requests the HTTP parser refuses', () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  let port: number;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-client-error-'));
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    server = await buildServer(app, { version: 'test' });
    await server.listen({ host: '127.0.0.1', port: 0 });
    port = (server.server.address() as AddressInfo).port;
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  const problemOf = (response: string) => {
    const [head = '', body = ''] = response.split('\r\n\r\n');
    return { head, problem: JSON.parse(body) as { status: number; code: string } };
  };

  it('answers oversized headers with a 431 problem document', async () => {
    const response = await rawExchange(port, `GET /v1/collections HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${'a'.repeat(20_000)}\r\n\r\n`);
    const { head, problem } = problemOf(response);
    assert.match(head, /^HTTP\/1\.1 431 /);
    assert.match(head, /content-type: application\/problem\+json/i);
    assert.deepEqual([problem.status, problem.code], [431, 'INPUT_INVALID']);
  });

  it('answers a malformed request line with a 400 problem document', async () => {
    const { head, problem } = problemOf(await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.deepEqual([problem.status, problem.code], [400, 'INPUT_INVALID']);
  });
});

describe("Fastify's own errors", () => {
  let home: string;
  let app: CairnApp;
  let server: FastifyInstance;
  let base: string;
  let auth: Record<string, string>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-framework-error-'));
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    server = await buildServer(app, { version: 'test', bodyLimitBytes: 1024 });
    await server.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    auth = { authorization: `Bearer ${(await app.keys.create('admin', ['admin'])).key}` };
  });
  after(async () => {
    await server.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('are problem+json with a stable code: bad URL, bad or empty JSON, body too large, media type, unknown route or method', async () => {
    const json = { ...auth, 'content-type': 'application/json' };
    const cases: { method: string; path: string; headers?: Record<string, string>; body?: string; status: number; code: string; detail?: RegExp }[] = [
      { method: 'GET', path: '/v1/collections/%zz', headers: auth, status: 400, code: 'INPUT_INVALID', detail: /URL is not valid/ },
      { method: 'GET', path: '/%zz', status: 400, code: 'INPUT_INVALID', detail: /URL is not valid/ },
      { method: 'GET', path: '/docs/%E0%A4%A', status: 400, code: 'INPUT_INVALID', detail: /URL is not valid/ },
      { method: 'POST', path: '/v1/collections', headers: json, body: '{"name": "x",', status: 400, code: 'INPUT_INVALID', detail: /JSON/ },
      { method: 'POST', path: '/v1/collections', headers: json, body: '', status: 400, code: 'INPUT_INVALID' },
      { method: 'POST', path: '/v1/collections', headers: json, body: JSON.stringify({ name: 'x', pad: 'x'.repeat(4096) }), status: 413, code: 'INPUT_INVALID' },
      { method: 'POST', path: '/v1/collections', headers: { ...auth, 'content-type': 'application/xml' }, body: '<name>x</name>', status: 415, code: 'INPUT_INVALID' },
      { method: 'GET', path: '/v1/no-such-route', headers: auth, status: 404, code: 'NOT_FOUND' },
      { method: 'PATCH', path: '/v1/collections', headers: auth, status: 404, code: 'NOT_FOUND', detail: /No route PATCH/ },
      { method: 'PROPFIND', path: '/v1/collections', headers: auth, status: 404, code: 'NOT_FOUND' },
      { method: 'GET', path: '/v1/collections', status: 401, code: 'UNAUTHENTICATED' },
    ];
    for (const { method, path, headers, body, status, code, detail } of cases) {
      const response = await fetch(base + path, { method, ...(headers ? { headers } : {}), ...(body === undefined ? {} : { body }) });
      const label = `${method} ${path}`;
      assert.equal(response.status, status, label);
      assert.match(String(response.headers.get('content-type')), /^application\/problem\+json/, label);
      assert.ok(response.headers.get('x-request-id'), label);
      const problem = (await response.json()) as { status: number; code: string; type: string; title: string; detail: string; hint?: string };
      assert.deepEqual([problem.status, problem.code, problem.type], [status, code, `urn:cairn:error:${code}`], label);
      assert.equal(typeof problem.title, 'string', label);
      assert.ok(problem.hint, label);
      if (detail) assert.match(problem.detail, detail, label);
    }
  });
});
