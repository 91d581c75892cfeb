import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { analyticsReport } from '../app/analytics/analytics-report.js';
import type { CairnApp } from '../app/cairn-app.js';
import { deleteCollection } from '../app/collections.js';
import { ingest } from '../app/ingest.js';
import { openCairn } from '../app/open-cairn.js';
import { loadConfig } from '../config/load-config.js';
import { useStandInServers } from '../testing/llm-test-kit.js';
import { startTestSite } from '../testing/test-site-server.js';
import { startRecordingListener } from '../testing/recording-listener.js';
import { createMcpServer } from './create-mcp-server.js';
import { RESOURCE_PAGE_SIZE } from './document-resources.js';
import { ERROR_META_KEY } from './tool-result.js';

/** A client connected in-process to a server over an app, with the given rights. */
async function connect(app: CairnApp, canWrite: boolean): Promise<Client> {
  const server = createMcpServer(app, { version: 'test', canWrite, defaultCollection: 'notes' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return client;
}

function text(result: CallToolResult): string {
  return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

describe('the MCP server in-process', () => {
  let home: string;
  let app: CairnApp;
  let writer: Client;
  let reader: Client;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-mcp-'));
    const docs = join(home, 'docs');
    for (const project of ['alpha', 'beta']) {
      mkdirSync(join(docs, project), { recursive: true });
      for (let i = 0; i < 60; i++) writeFileSync(join(docs, project, `page-${i}.md`), `# ${project} page ${i}\n\nThe ${project} handbook, section ${i}: deploying ${project} services.\n`);
    }
    writeFileSync(join(docs, 'alpha', 'long.md'), `# Long\n\n${Array.from({ length: 40 }, (_, i) => `## Part ${i}\n\n${'word '.repeat(200)}`).join('\n\n')}`);
    app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }));
    await ingest(app, { collection: 'notes', sources: [docs] });
    writer = await connect(app, true);
    reader = await connect(app, false);
  });
  after(async () => {
    await writer.close();
    await reader.close();
    await app.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists every tool with input and output schemas and annotations', async () => {
    const { tools } = await reader.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['ask', 'get_document', 'ingest', 'list_collections', 'list_sources', 'recall', 'remember', 'search']);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.outputSchema?.type, 'object', tool.name);
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', tool.name);
    }
    assert.equal(tools.find((t) => t.name === 'ingest')?.annotations?.readOnlyHint, false);
  });

  it('search uses the default collection and returns ranked hits with a text rendering', async () => {
    const result = (await reader.callTool({ name: 'search', arguments: { query: 'beta handbook section 7', k: 3 } })) as CallToolResult;
    assert.equal(result.isError, undefined, text(result));
    const structured = result.structuredContent as { collection: string; results: { rank: number; relative_path: string; document_id: number }[] };
    assert.equal(structured.collection, 'notes');
    assert.equal(structured.results.length, 3);
    assert.equal(structured.results[0]!.relative_path, 'beta/page-7.md');
    assert.match(text(result), /\[1\] beta page 7/);
    const report = await analyticsReport(app, { days: 1, collection: 'notes' });
    assert.deepEqual(report.surfaces, [{ surface: 'mcp', count: 1 }], 'recorded in the search analytics as an MCP search');
    assert.deepEqual(report.topQueries.map((q) => [q.query, q.avgResults]), [['beta handbook section 7', 3]]);
  });

  it('search returns k distinct documents with their best passages (widening past a document that fills the top), group chunks the raw chunks', async () => {
    type Hit = { relative_path: string; document_id: number; chunk_id: number; passages?: { chunk_id: number; score: number; heading_path: string[] }[] };
    // The 40 chunks of alpha/long.md outrank every page for "word", so the first k × 5 chunks hold one document.
    const raw = (await reader.callTool({ name: 'search', arguments: { query: 'word deploying', k: 5, group: 'chunks' } })) as CallToolResult;
    const chunks = raw.structuredContent as { group: string; results: Hit[] };
    assert.equal(chunks.group, 'chunks');
    assert.deepEqual(chunks.results.map((r) => r.relative_path), Array(5).fill('alpha/long.md'));
    assert.ok(chunks.results.every((r) => r.passages === undefined));

    const result = (await reader.callTool({ name: 'search', arguments: { query: 'word deploying', k: 5 } })) as CallToolResult;
    assert.equal(result.isError, undefined, text(result));
    const grouped = result.structuredContent as { group: string; results: Hit[] };
    assert.equal(grouped.group, 'documents');
    assert.equal(grouped.results.length, 5);
    assert.equal(new Set(grouped.results.map((r) => r.document_id)).size, 5, '5 distinct documents');
    const long = grouped.results[0]!;
    assert.equal(long.relative_path, 'alpha/long.md');
    assert.equal(long.passages?.length, 3);
    assert.deepEqual(long.passages.map((p) => p.chunk_id).slice(0, 3), chunks.results.slice(0, 3).map((r) => r.chunk_id), 'its best chunks, best first');
    assert.equal(long.chunk_id, long.passages[0]?.chunk_id);
    assert.match(text(result), /\[1\] Long \(score [\d.]+\)\n.*\n {4}· Long › Part 0/);
  });

  it('search shows one document per near-duplicate cluster by default, the others in also_in (collapseDuplicates false: each)', async () => {
    const copies = join(home, 'copies');
    mkdirSync(copies, { recursive: true });
    const body = `# Key rotation\n\nHow to rotate the signing key safely. ${Array.from({ length: 200 }, (_, i) => `term${(i * 7919) % 5003}`).join(' ')}\n`;
    writeFileSync(join(copies, 'rotation.md'), body);
    writeFileSync(join(copies, 'rotation-copy.md'), body.replace('safely', 'safely, again'));
    await ingest(app, { collection: 'copies', sources: [copies] });
    type Hit = { relative_path: string; also_in?: string[]; passages?: unknown[] };
    const every = (await reader.callTool({ name: 'search', arguments: { query: 'rotate signing key', collection: 'copies', mode: 'lexical', collapseDuplicates: false } })) as CallToolResult;
    assert.equal((every.structuredContent as { results: Hit[] }).results.length, 2, 'collapseDuplicates false lists each copy');
    const result = (await reader.callTool({ name: 'search', arguments: { query: 'rotate signing key', collection: 'copies', mode: 'lexical' } })) as CallToolResult;
    assert.equal(result.isError, undefined, text(result));
    const hits = (result.structuredContent as { results: Hit[] }).results;
    assert.equal(hits.length, 1);
    assert.ok(hits[0]!.passages !== undefined);
    assert.deepEqual(hits[0]!.also_in, [hits[0]!.relative_path === 'rotation.md' ? 'rotation-copy.md' : 'rotation.md']);
    assert.match(text(result), /also in: rotation(-copy)?\.md/);
    await deleteCollection(app, 'copies');
  });

  it('list_sources names the projects with their document counts and path prefixes', async () => {
    const result = (await reader.callTool({ name: 'list_sources', arguments: {} })) as CallToolResult;
    const structured = result.structuredContent as { sources: { name: string; documents: number; pathPrefix: string | null }[] };
    assert.deepEqual(
      structured.sources.map((s) => [s.name, s.documents, s.pathPrefix]),
      [
        ['alpha', 61, 'alpha/'],
        ['beta', 60, 'beta/'],
      ],
    );
  });

  it('get_document pages through a long document', async () => {
    const first = (await reader.callTool({ name: 'get_document', arguments: { document: 'alpha/long.md', maxChunks: 5 } })) as CallToolResult;
    const page = first.structuredContent as { totalChunks: number; nextChunk: number | null; chunks: { ordinal: number }[]; document: { id: number } };
    assert.ok(page.totalChunks > 5, `chunks: ${page.totalChunks}`);
    assert.deepEqual(page.chunks.map((c) => c.ordinal), [0, 1, 2, 3, 4]);
    assert.equal(page.nextChunk, 5);
    const second = (await reader.callTool({ name: 'get_document', arguments: { document: String(page.document.id), fromChunk: 5, maxChunks: 5 } })) as CallToolResult;
    assert.equal((second.structuredContent as { chunks: { ordinal: number }[] }).chunks[0]?.ordinal, 5);
  });

  it('errors are tool results with the stable code, and the server keeps serving', async () => {
    const missing = (await reader.callTool({ name: 'search', arguments: { query: 'x', collection: 'nope' } })) as CallToolResult;
    assert.equal(missing.isError, true);
    assert.match(text(missing), /COLLECTION_NOT_FOUND/);
    assert.equal((missing._meta![ERROR_META_KEY] as { code: string }).code, 'COLLECTION_NOT_FOUND');
    const noDocument = (await reader.callTool({ name: 'get_document', arguments: { document: '999999' } })) as CallToolResult;
    assert.match(text(noDocument), /DOCUMENT_NOT_FOUND/);
    const badInput = (await reader.callTool({ name: 'search', arguments: { query: '' } })) as CallToolResult;
    assert.equal(badInput.isError, true);
    assert.equal(((await reader.callTool({ name: 'list_collections', arguments: {} })) as CallToolResult).isError, undefined);
  });

  it('write tools need write access; ingest is off until sources.allowedDirs is configured', async () => {
    const remember = (await reader.callTool({ name: 'remember', arguments: { content: 'The staging DB listens on port 5433' } })) as CallToolResult;
    assert.match(text(remember), /FORBIDDEN/);
    const ingestOff = (await writer.callTool({ name: 'ingest', arguments: { path: home } })) as CallToolResult;
    assert.equal(ingestOff.isError, true);
    assert.match(text(ingestOff), /FORBIDDEN.*turned off/);
  });

  it('remember then recall finds the memory', async () => {
    const stored = (await writer.callTool({ name: 'remember', arguments: { content: 'The staging database listens on port 5433', tags: ['infra'] } })) as CallToolResult;
    assert.equal(stored.isError, undefined, text(stored));
    const recalled = (await reader.callTool({ name: 'recall', arguments: { query: 'staging database port' } })) as CallToolResult;
    const memories = (recalled.structuredContent as { memories: { content: string }[] }).memories;
    assert.match(memories[0]?.content ?? '', /5433/);
  });

  it('lists documents as resources page by page and reads one', async () => {
    const first = await reader.listResources();
    assert.equal(first.resources.length, RESOURCE_PAGE_SIZE);
    assert.ok(first.nextCursor);
    const second = await reader.listResources({ cursor: first.nextCursor });
    assert.equal(second.resources.length, 121 - RESOURCE_PAGE_SIZE);
    assert.equal(second.nextCursor, undefined);
    const uris = new Set([...first.resources, ...second.resources].map((r) => r.uri));
    assert.equal(uris.size, 121);
    const templates = await reader.listResourceTemplates();
    assert.equal(templates.resourceTemplates[0]?.uriTemplate, 'cairn://{collection}/documents/{id}');
    const target = second.resources.find((r) => r.name === 'notes/beta/page-9.md')!;
    const read = await reader.readResource({ uri: target.uri });
    const content = read.contents[0] as { text: string };
    assert.match(content.text, /beta handbook, section 9/);
  });
});

describe('the ingest tool crawling a web site', () => {
  it('crawls a site when the server allows its address, and refuses it otherwise', async () => {
    const site = await startTestSite({
      '/docs/': { headers: { 'content-type': 'text/html' }, body: '<title>Docs</title><nav><a href="/docs/deploy">Deploy</a></nav><main><p>The docs of the orbital launcher.</p></main>' },
      '/docs/deploy': { headers: { 'content-type': 'text/html' }, body: '<title>Deploy</title><main><p>Deploy the orbital launcher with one command.</p></main>' },
    });
    const home = mkdtempSync(join(tmpdir(), 'cairn-mcp-crawl-'));
    const open = (allowPrivateNetworks: boolean) =>
      openCairn(
        loadConfig({
          cwd: home,
          env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' },
          flags: { sources: { allowedDirs: [home], allowPrivateNetworks }, crawl: { delayMs: 0 } },
        }),
      );
    try {
      const guarded = await open(false);
      const refusedClient = await connect(guarded, true);
      const refused = (await refusedClient.callTool({ name: 'ingest', arguments: { crawl: { url: `${site.origin}/docs/` } } })) as CallToolResult;
      assert.equal(refused.isError, true);
      assert.match(text(refused), /ADDRESS_NOT_ALLOWED/);
      assert.equal(site.requests.length, 0);
      await refusedClient.close();
      await guarded.close();

      const app = await open(true);
      const client = await connect(app, true);
      const result = (await client.callTool({ name: 'ingest', arguments: { crawl: { url: `${site.origin}/docs/`, maxPages: 5 }, collection: 'site' } })) as CallToolResult;
      assert.equal(result.isError, undefined, text(result));
      assert.equal((result.structuredContent as { filesNew: number }).filesNew, 2);
      await client.close();
      await app.close();
    } finally {
      await site.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the ask tool with a language model (stand-in OpenAI-compatible server)', () => {
  const startServer = useStandInServers();

  it('answers with the model, citations [n] and timings', async () => {
    const llm = await startServer();
    const home = mkdtempSync(join(tmpdir(), 'cairn-mcp-ask-'));
    const docs = join(home, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'backups.md'), '# Backups\n\nNightly backups of the orders database run at 02:00 and are kept for 30 days.\n');
    const app = await openCairn(
      loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_LLM_URL: llm.url } }),
    );
    try {
      await ingest(app, { collection: 'notes', sources: [docs] });
      const client = await connect(app, false);
      const result = (await client.callTool({ name: 'ask', arguments: { question: 'When do the nightly backups of the orders database run?' } })) as CallToolResult;
      assert.equal(result.isError, undefined, text(result));
      const answer = result.structuredContent as { answer: string; extractive: boolean; model: string | null; citations: { n: number; title: string }[]; timings: { total_ms: number } };
      assert.equal(answer.extractive, false);
      assert.equal(answer.model, 'stand-in-model');
      assert.match(answer.answer, /Nightly backups .*\[1\]/);
      assert.deepEqual(answer.citations.map((c) => [c.n, c.title]), [[1, 'Backups']]);
      assert.match(text(result), /Sources:\n\[1\] Backups/);
      await client.close();
    } finally {
      await app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('model specs over MCP', () => {
  it('no tool takes a model spec: an embedder argument is refused and its host sees no request', async () => {
    const internal = await startRecordingListener();
    const home = mkdtempSync(join(tmpdir(), 'cairn-mcp-specs-'));
    const docs = join(home, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'a.md'), '# A\n\nSome text about deployments.\n');
    const app = await openCairn(
      loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_ALLOWED_DIRS: docs } }),
    );
    const client = await connect(app, true);
    try {
      const { tools } = await client.listTools();
      for (const tool of tools) {
        const names = Object.keys(tool.inputSchema.properties ?? {});
        const specs = names.filter((name) => /embedder|reranker|model|llm|url|endpoint/i.test(name));
        // A tool that takes one must pass it through assertModelAllowed (src/app/model-allow-list.ts) and get a test here.
        assert.deepEqual(specs, [], `${tool.name} takes ${specs.join(', ')}`);
      }
      const spec = `openai:${internal.origin}/v1#m`;
      for (const [name, args] of [
        ['ingest', { path: docs, collection: 'fresh', embedder: spec }],
        ['search', { query: 'deployments', collection: 'fresh', embedder: spec }],
        ['ask', { question: 'deployments?', collection: 'fresh', embedder: spec }],
      ] as const) {
        const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
        assert.equal(result.isError, true, `${name}: ${text(result)}`);
      }
      const ingested = (await client.callTool({ name: 'ingest', arguments: { path: docs, collection: 'fresh' } })) as CallToolResult;
      assert.equal(ingested.isError, undefined, text(ingested));
      assert.equal((await app.chunks.getCollection('fresh'))?.embedder, 'none');
      assert.deepEqual(internal.requests, []);
    } finally {
      await client.close();
      await app.close();
      await internal.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
