/**
 * What MCP adds to a search: the same queries through the use case (`search()`), through an MCP
 * client connected in-process (InMemoryTransport: the SDK's request handling, input validation,
 * output-schema checks on both sides, the text rendering), and through a real `cairn mcp` child
 * over stdio (adds JSON serialization, the pipe and a second process). Target: MCP adds ≤ 5 ms.
 *
 *   node --import tsx bench/mcp-overhead.ts [--home DIR --collection NAME] [--queries 200] [--rounds 3] [--warmup 30] [--mode hybrid] [--k 10]
 *
 * Without --home, a throw-away collection of a few docs-corpus projects is built with the static
 * model first. Paths are interleaved query by query (use case, in-process, stdio) so machine load
 * hits all three alike; `added` is the per-query difference to the use case in the same round
 * (p50/p95 over all queries and rounds). For stdio, `addedVsServer` subtracts the search time the
 * child itself reports (`totalMs`) instead, which takes the other process's own search speed out.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { search } from '../src/app/search.js';
import { createMcpServer } from '../src/mcp/create-mcp-server.js';
import { REPO_ROOT } from '../src/testing/shared-data.js';
import {
  DOCS_CORPUS, STATIC_EMBEDDER, latencyStats, loadAverage, machineFacts, openBenchApp, parseIntegerOption, peakRssMiB, removeDirectory, report, round,
  temporaryDirectory, timedIngest,
} from './bench-support.js';
import { buildQueries } from './search-queries.js';

const { values } = parseArgs({
  options: {
    home: { type: 'string' },
    collection: { type: 'string', default: 'bench' },
    queries: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '30' },
    mode: { type: 'string', default: 'hybrid' },
    k: { type: 'string', default: '10' },
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    projects: { type: 'string', default: 'eslint,prometheus,grpc,webpack,fastapi,helm,nestjs,redis,typescript,react-dev' },
    seed: { type: 'string', default: '20261121' },
  },
});

const facts = machineFacts();
const queryCount = parseIntegerOption(values.queries, 'queries') ?? 200;
const rounds = parseIntegerOption(values.rounds, 'rounds') ?? 3;
const warmup = parseIntegerOption(values.warmup, 'warmup') ?? 30;
const k = parseIntegerOption(values.k, 'k') ?? 10;
const mode = values.mode as 'lexical' | 'dense' | 'hybrid';
const collection = values.collection ?? 'bench';
const work = values.home ? undefined : temporaryDirectory('cairn-bench-mcp-');
const home = values.home ?? join(work!, 'home');

try {
  if (!values.home) {
    for (const project of (values.projects ?? '').split(',').filter(Boolean)) {
      const { summary } = await timedIngest({ home, embedder: values.embedder }, collection, join(DOCS_CORPUS, project), `ingest ${project}`);
      process.stderr.write(`ingested ${project}: ${summary.filesNew} files, ${summary.chunksWritten} chunks\n`);
    }
  }
  const app = await openBenchApp({ home, ...(values.home ? {} : { embedder: values.embedder }) });
  const record = await app.chunks.getCollection(collection);
  if (!record) throw new Error(`no collection "${collection}" in ${home}`);
  const queries = await buildQueries(app, collection, queryCount, Number(values.seed));

  const server = createMcpServer(app, { version: 'bench', canWrite: false, defaultCollection: collection });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const inProcess = new Client({ name: 'bench', version: '1' });
  await inProcess.connect(clientSide);

  const stdioTransport = new StdioClientTransport({
    command: process.execPath,
    args: [join(REPO_ROOT, 'bin', 'cairn.js'), 'mcp', '--collection', collection],
    env: { PATH: process.env.PATH ?? '', HOME: home, CAIRN_HOME: home, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' },
    cwd: home,
    stderr: 'ignore',
  });
  const stdio = new Client({ name: 'bench', version: '1' });
  await stdio.connect(stdioTransport, { timeout: 120_000 });

  const args = (query: string) => ({ query, collection, mode, k });
  const viaUseCase = async (query: string) => {
    const started = performance.now();
    const response = await search(app, args(query));
    return { ms: performance.now() - started, results: response.results.length };
  };
  const viaClient = async (client: Client, query: string) => {
    const started = performance.now();
    const result = (await client.callTool({ name: 'search', arguments: args(query) })) as CallToolResult;
    const ms = performance.now() - started;
    if (result.isError) throw new Error(`search failed: ${JSON.stringify(result.content)}`);
    const structured = result.structuredContent as { totalMs: number; results: unknown[] };
    return { ms, results: structured.results.length, serverSearchMs: structured.totalMs };
  };

  for (const query of queries.slice(0, warmup)) {
    await viaUseCase(query);
    await viaClient(inProcess, query);
    await viaClient(stdio, query);
  }

  const useCaseMs: number[] = [];
  const inProcessMs: number[] = [];
  const stdioMs: number[] = [];
  const addedInProcess: number[] = [];
  const addedStdio: number[] = [];
  const addedStdioVsServer: number[] = [];
  let mismatches = 0;
  const loadBefore = loadAverage();
  for (let round = 0; round < rounds; round++) {
    for (const query of queries) {
      const direct = await viaUseCase(query);
      const local = await viaClient(inProcess, query);
      const remote = await viaClient(stdio, query);
      if (local.results !== direct.results || remote.results !== direct.results) mismatches++;
      useCaseMs.push(direct.ms);
      inProcessMs.push(local.ms);
      stdioMs.push(remote.ms);
      addedInProcess.push(local.ms - direct.ms);
      addedStdio.push(remote.ms - direct.ms);
      addedStdioVsServer.push(remote.ms - remote.serverSearchMs);
    }
  }
  const loadAfter = loadAverage();
  await inProcess.close();
  await stdio.close();
  await app.close();

  const stats = {
    useCase: latencyStats(useCaseMs),
    inProcess: latencyStats(inProcessMs),
    stdio: latencyStats(stdioMs),
    addedInProcess: latencyStats(addedInProcess),
    addedStdio: latencyStats(addedStdio),
    addedStdioVsServer: latencyStats(addedStdioVsServer),
  };
  // The target is on the typical call (p50 of the paired difference); p95 is reported beside it and is dominated by load noise on a busy machine.
  const within = stats.addedInProcess.p50 <= 5 && stats.addedStdio.p50 <= 5;
  report(
    'mcp-overhead',
    { facts, loadAfter, peakRssMiB: peakRssMiB(), collection, chunks: record.chunkCount, documents: record.documentCount, mode, k, queries: queries.length, rounds, mismatches, stats, targetMet: within },
    [
      `MCP search overhead · ${record.documentCount} documents, ${record.chunkCount} chunks · ${mode}, k=${k} · ${queries.length} queries × ${rounds} rounds`,
      `machine: ${facts.cpus} × ${facts.cpuModel}, ${facts.node}; load ${loadBefore.join(' ')} → ${loadAfter.join(' ')}`,
      `                      p50 ms    p95 ms`,
      `use case            ${fmt(stats.useCase.p50)}  ${fmt(stats.useCase.p95)}`,
      `MCP in-process      ${fmt(stats.inProcess.p50)}  ${fmt(stats.inProcess.p95)}   added ${fmt(stats.addedInProcess.p50)}  ${fmt(stats.addedInProcess.p95)}`,
      `MCP stdio (child)   ${fmt(stats.stdio.p50)}  ${fmt(stats.stdio.p95)}   added ${fmt(stats.addedStdio.p50)}  ${fmt(stats.addedStdio.p95)}  (vs the child's own search time: ${fmt(stats.addedStdioVsServer.p50)}  ${fmt(stats.addedStdioVsServer.p95)})`,
      `result-count mismatches: ${mismatches}; target MCP adds ≤ 5 ms (p50 of the paired difference): ${within ? 'met' : 'NOT met'}`,
    ],
  );
} finally {
  if (work) removeDirectory(work);
}

function fmt(value: number): string {
  return round(value, 2).toFixed(2).padStart(8);
}
