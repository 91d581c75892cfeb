import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { callError, callOk, TOOL_NAMES, writeSmallCorpus } from './mcp-test-kit.js';
import { runCli } from './run-cli.js';
import { startCairnServe, type CairnServe } from './start-cairn-serve.js';

/** A POST of one JSON-RPC message with raw headers (node:http, so Host can be set). */
function rawPost(url: URL, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const payload = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('MCP over Streamable HTTP at /mcp of a real `cairn serve`', () => {
  let home: string;
  let serve: CairnServe | undefined;
  let endpoint: URL;
  const keys = { admin: '', read: '', write: '' };
  const clients: Client[] = [];

  async function connect(key: string | undefined): Promise<Client> {
    const transport = new StreamableHTTPClientTransport(endpoint, key ? { requestInit: { headers: { authorization: `Bearer ${key}` } } } : {});
    const client = new Client({ name: 'cairn-e2e-http', version: '1.0.0' });
    await client.connect(transport, { timeout: 60_000 });
    clients.push(client);
    return client;
  }

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-mcp-http-'));
    const docs = join(home, 'docs');
    const allowed = join(home, 'allowed');
    writeSmallCorpus(docs, allowed);
    const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_ALLOWED_DIRS: allowed, CAIRN_COLLECTION: 'kb' };
    const ingested = await runCli(['ingest', docs, '--collection', 'kb'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    serve = await startCairnServe({ HOME: home, ...env }, { cwd: home });
    endpoint = new URL('/mcp', serve.url);
    keys.admin = serve.adminKey;
    assert.match(keys.admin, /^cairn_/, serve.output.stdout);
    for (const scope of ['read', 'write'] as const) {
      const response = await fetch(new URL('/v1/keys', endpoint), {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `mcp ${scope}`, scope }),
      });
      assert.equal(response.status, 201, await response.clone().text());
      keys[scope] = ((await response.json()) as { key: string }).key;
    }
  });
  after(async () => {
    for (const client of clients) await client.close();
    try {
      if (serve) assert.equal(await serve.stop(), 0, 'serve stopped cleanly');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a client without a key (401 with a Bearer challenge) or with an unknown one', async () => {
    await assert.rejects(connect(undefined), /401|Unauthorized/i);
    const anonymous = await rawPost(endpoint, {});
    assert.equal(anonymous.status, 401);
    assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
    assert.equal(JSON.parse(anonymous.body).code, 'UNAUTHENTICATED');
    assert.equal((await rawPost(endpoint, { authorization: 'Bearer cairn_not-a-key' })).status, 401);
  });

  it('refuses a foreign Host or Origin before anything else (DNS rebinding)', async () => {
    const rebound = await rawPost(endpoint, { host: `attacker.example:${endpoint.port}`, authorization: `Bearer ${keys.read}` });
    assert.equal(rebound.status, 403, rebound.body);
    assert.equal(JSON.parse(rebound.body).code, 'FORBIDDEN');
    const foreign = await rawPost(endpoint, { origin: 'https://attacker.example', authorization: `Bearer ${keys.read}` });
    assert.equal(foreign.status, 403, foreign.body);
    const local = await rawPost(endpoint, { host: `localhost:${endpoint.port}`, origin: `http://localhost:${endpoint.port}`, authorization: `Bearer ${keys.read}` });
    assert.equal(local.status, 200, local.body);
  });

  it('a read key lists the tools and calls every read tool; write tools answer FORBIDDEN', async () => {
    const client = await connect(keys.read);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
    const collections = await callOk<{ defaultCollection: string }>(client, 'list_collections', {});
    assert.equal(collections.defaultCollection, 'kb');
    await callOk(client, 'list_sources', {});
    const hits = await callOk<{ results: { relative_path: string; document_id: number }[] }>(client, 'search', { query: 'blue-green releases guide 4', mode: 'lexical' });
    assert.equal(hits.results[0]?.relative_path, 'alpha/page-4.md');
    await callOk(client, 'get_document', { document: String(hits.results[0]!.document_id) });
    const answer = await callOk<{ citations: unknown[] }>(client, 'ask', { question: 'How are invoices refunded?' });
    assert.ok(answer.citations.length > 0);
    await callOk(client, 'recall', { query: 'anything' });
    assert.match(await callError(client, 'remember', { content: 'The VPN gateway is vpn-3' }), /FORBIDDEN/);
    assert.match(await callError(client, 'ingest', { path: 'runbooks' }), /FORBIDDEN/);
    assert.match(await callError(client, 'search', { query: 'x', collection: 'missing' }), /COLLECTION_NOT_FOUND/);
  });

  it('a write key may remember and ingest', async () => {
    const client = await connect(keys.write);
    const stored = await callOk<{ memory: { id: string } }>(client, 'remember', { content: 'The VPN gateway is vpn-3.internal', tags: ['network'] });
    const recalled = await callOk<{ memories: { id: string }[] }>(client, 'recall', { query: 'VPN gateway host', tags: ['network'] });
    assert.equal(recalled.memories[0]?.id, stored.memory.id);
    const ingested = await callOk<{ filesNew: number }>(client, 'ingest', { path: 'runbooks/restart.md', collection: 'ops' });
    assert.equal(ingested.filesNew, 1);
  });

  it('is stateless: GET and DELETE answer 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(endpoint, { method, headers: { authorization: `Bearer ${keys.read}`, accept: 'text/event-stream' } });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'POST');
    }
  });
});
