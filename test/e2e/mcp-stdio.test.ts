import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { REPO_ROOT, SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { callError, callOk, TOOL_NAMES, writeSmallCorpus } from './mcp-test-kit.js';
import { runCli } from './run-cli.js';

/** Starts the real `bin/cairn.js mcp` as a child process and connects the SDK client to it over stdio. */
async function startStdio(env: Record<string, string>, args: string[] = []) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(REPO_ROOT, 'bin', 'cairn.js'), 'mcp', ...args],
    env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? tmpdir(), ...env },
    cwd: env.CAIRN_HOME,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const errors: Error[] = [];
  const client = new Client({ name: 'cairn-e2e', version: '1.0.0' });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport, { timeout: 60_000 });
  return { client, transport, errors, stderr: () => stderr };
}

describe('cairn mcp over stdio (a real child process)', () => {
  let home: string;
  let env: Record<string, string>;
  let session: Awaited<ReturnType<typeof startStdio>>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-mcp-stdio-'));
    const docs = join(home, 'docs');
    const allowed = join(home, 'allowed');
    writeSmallCorpus(docs, allowed);
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_ALLOWED_DIRS: allowed };
    const ingested = await runCli(['ingest', docs, '--collection', 'kb'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    session = await startStdio(env, ['--collection', 'kb']);
  });
  after(async () => {
    try {
      const pid = session?.transport.pid;
      await session?.client.close();
      if (pid) assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the server exited when the client closed');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('lists the tools, each with an output schema and annotations', async () => {
    const { tools } = await session.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
    for (const tool of tools) {
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.ok(tool.annotations, tool.name);
      assert.ok(tool.description && tool.description.length > 20, tool.name);
    }
    const info = session.client.getServerVersion();
    assert.equal(info?.name, 'cairn');
  });

  it('calls every tool; each structured result matches its output schema', async () => {
    const { client } = session;
    const collections = await callOk<{ defaultCollection: string; collections: { name: string; documentCount: number }[] }>(client, 'list_collections', {});
    assert.equal(collections.defaultCollection, 'kb');
    assert.deepEqual(collections.collections.map((c) => [c.name, c.documentCount]), [['kb', 15]]);

    const sources = await callOk<{ sources: { name: string; documents: number }[] }>(client, 'list_sources', {});
    assert.deepEqual(sources.sources.map((s) => [s.name, s.documents]), [['alpha', 5], ['beta', 5], ['gamma', 5]]);

    const hits = await callOk<{ results: { relative_path: string; document_id: number; heading_path: string[]; snippet: string; highlights: [number, number][] }[] }>(client, 'search', {
      query: 'billing refunds guide 3',
      k: 3,
      mode: 'lexical',
    });
    assert.equal(hits.results[0]?.relative_path, 'beta/page-3.md');
    const [start, end] = hits.results[0]!.highlights[0] ?? [0, 0];
    assert.match(hits.results[0]!.snippet.slice(start, end), /^(?:billing|refunds?|guide|3)$/i, 'the snippet is plain text with the matches as offsets');
    assert.doesNotMatch(hits.results[0]!.snippet, /\*\*/);
    const filtered = await callOk<{ results: { relative_path: string }[] }>(client, 'search', { query: 'guide', filter: { pathPrefix: 'alpha/' } });
    assert.ok(filtered.results.length > 0 && filtered.results.every((r) => r.relative_path.startsWith('alpha/')));

    const document = await callOk<{ document: { relativePath: string }; chunks: { text: string }[]; nextChunk: number | null }>(client, 'get_document', {
      document: String(hits.results[0]!.document_id),
    });
    assert.equal(document.document.relativePath, 'beta/page-3.md');
    assert.match(document.chunks.map((c) => c.text).join('\n'), /billing invoices and refunds, step 3/);
    assert.equal(document.nextChunk, null);

    const answer = await callOk<{ extractive: boolean; citations: { source_uri: string }[]; timings: { total_ms: number } }>(client, 'ask', {
      question: 'How are blue-green releases deployed?',
    });
    assert.equal(answer.extractive, true);
    assert.ok(answer.citations.length > 0);
    assert.match(answer.citations[0]!.source_uri, /alpha/);

    const progress: { progress: number; message?: string }[] = [];
    const ingested = await callOk<{ filesNew: number; collection: string }>(client, 'ingest', { path: 'runbooks', collection: 'ops' }, (event) => progress.push(event));
    assert.deepEqual([ingested.collection, ingested.filesNew], ['ops', 1]);
    assert.deepEqual(progress.map((p) => [p.progress, p.message]), [[1, '1 files, 1 chunks']], 'progress notifications over stdio');
    const opsHits = await callOk<{ results: { title: string }[] }>(client, 'search', { query: 'restart the queue broker', collection: 'ops' });
    assert.equal(opsHits.results[0]?.title, 'Restarting the queue');

    const stored = await callOk<{ memory: { id: string; tags: string[] } }>(client, 'remember', { content: 'Prod DB is on host db-2, port 5433', tags: ['infra'] });
    assert.deepEqual(stored.memory.tags, ['infra']);
    const recalled = await callOk<{ memories: { id: string }[] }>(client, 'recall', { query: 'which port does the prod DB use' });
    assert.equal(recalled.memories[0]?.id, stored.memory.id);
  });

  it('answers failures as tool errors with the stable code and keeps serving', async () => {
    const { client } = session;
    assert.match(await callError(client, 'search', { query: 'anything', collection: 'missing' }), /COLLECTION_NOT_FOUND/);
    assert.match(await callError(client, 'get_document', { document: 'no/such/file.md' }), /DOCUMENT_NOT_FOUND/);
    assert.match(await callError(client, 'ingest', { path: '/etc' }), /PATH_NOT_ALLOWED/);
    assert.match(await callError(client, 'ingest', { path: 'runbooks', git: 'https://example.com/x.git' }), /INPUT_INVALID.*exactly one of path, git and crawl/);
    await callOk(client, 'list_collections', {});
    assert.deepEqual(session.errors, [], 'no protocol errors (stdout carries only JSON-RPC)');
    assert.match(session.stderr(), /Cairn MCP server on stdio/);
  });

  it('lists and reads documents as resources', async () => {
    const { resources } = await session.client.listResources();
    assert.ok(resources.length >= 15);
    const page = resources.find((r) => r.name === 'kb/alpha/page-2.md');
    assert.ok(page, resources.map((r) => r.name).join(' '));
    const read = await session.client.readResource({ uri: page.uri });
    assert.match((read.contents[0] as { text: string }).text, /blue-green releases, step 2/);
  });
});

const corpus = sharedPath('data', 'docs-corpus');
const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');

describe('cairn mcp over the docs corpus: search finds the right project', { skip: corpus && model ? false : SHARED_MISSING }, () => {
  let home: string;
  let session: Awaited<ReturnType<typeof startStdio>>;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-mcp-corpus-'));
    const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
    // The two projects the questions need, and two neighbours that could catch them (gRPC covers Go, webpack JavaScript tooling).
    const projects = ['eslint', 'prometheus', 'grpc', 'webpack'].map((p) => join(corpus!, p));
    const ingested = await runCli(['ingest', ...projects, '--collection', 'docs'], env);
    assert.equal(ingested.code, 0, ingested.stderr);
    session = await startStdio(env, ['--collection', 'docs']);
  });
  after(async () => {
    await session?.client.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('list_sources names the projects', async () => {
    const sources = await callOk<{ sources: { name: string }[] }>(session.client, 'list_sources', {});
    assert.deepEqual(sources.sources.map((s) => s.name).sort(), ['eslint', 'grpc', 'prometheus', 'webpack']);
  });

  for (const [question, project, expected] of [
    ['How do I write a custom ESLint rule?', 'eslint', /\/eslint\/docs\/src\/extend\//],
    ['How do I expose Prometheus metrics from a Go service?', 'prometheus', /\/prometheus\/docs\/.*go/],
  ] as const) {
    it(`"${question}" → ${project}`, async () => {
      const hits = await callOk<{ results: { source_uri: string }[] }>(session.client, 'search', { query: question, k: 5 });
      const top3 = hits.results.slice(0, 3).map((r) => r.source_uri);
      // Most of the top 3, not all: one question's third hit is noise that the fusion and heading-weight
      // choices are measured on 54 docs-corpus questions for (bench/docs-corpus-questions, decision 0033).
      assert.ok(top3.filter((uri) => uri.includes(`/docs-corpus/${project}/`)).length >= 2, top3.join('\n'));
      assert.match(top3[0]!, expected);
    });
  }
});
