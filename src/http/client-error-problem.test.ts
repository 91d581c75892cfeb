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
