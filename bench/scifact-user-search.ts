/**
 * What a user gets on SciFact (issue 17 §0, docs/decisions/0036-document-results.md): the corpus written as
 * one Markdown file per document (`<id>.md`: `# title`, then the abstract), then
 *   1. `cairn eval folder` (files through the normal ingest, queries through the search use case),
 *   2. `cairn ingest` of the folder and every test query through `cairn mcp` (stdio) `search` with k = 10,
 *   3. the first `--cli <n>` queries through `cairn search --json -k 10` (one process each; they must equal the MCP lists),
 * each reporting nDCG@10 and how many queries got fewer than 10 distinct documents.
 *
 *   node --import tsx bench/scifact-user-search.ts [--mode lexical|hybrid] [--cli 30] [--group documents|chunks]
 *
 * hybrid uses the static model in ../shared/models (CAIRN_EMBEDDER). Needs `npm run build` (bin/cairn.js → dist/).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { loadBeirDataset } from '../src/eval/beir-dataset.js';
import { evaluateRun } from '../src/eval/evaluate-run.js';
import { REPO_ROOT, sharedPath } from '../src/testing/shared-data.js';

const run = promisify(execFile);
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? (args[at + 1] as string) : fallback;
};
const mode = option('mode', 'lexical');
const cliQueries = Number(option('cli', '30'));
const group = option('group', 'documents');
const scifact = sharedPath('data', 'beir', 'scifact');
const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
if (!scifact || !model) throw new Error('../shared/data/beir/scifact and ../shared/models are needed');

const work = mkdtempSync(join(tmpdir(), 'cairn-scifact-user-'));
const folder = join(work, 'scifact');
mkdirSync(folder);
const dataset = await loadBeirDataset(scifact, 'test');
let files = 0;
for await (const doc of dataset.corpus()) {
  writeFileSync(join(folder, `${doc.id}.md`), `# ${doc.title}\n\n${doc.text}\n`);
  files++;
}
const env = { ...process.env, CAIRN_HOME: join(work, 'home'), CAIRN_OFFLINE: '1', CAIRN_EMBEDDER: mode === 'lexical' ? 'none' : `static:${model}`, CAIRN_LLM_DISCOVER: '0' };
const cairn = (argv: string[]) => run(process.execPath, [join(REPO_ROOT, 'bin', 'cairn.js'), ...argv], { env, maxBuffer: 1 << 28 });
const queries = [...dataset.queries.entries()];

function score(lists: Map<string, string[]>, k = 10) {
  const qrels = new Map([...dataset.qrels].filter(([id]) => lists.has(id)));
  const evaluation = evaluateRun(lists, qrels);
  const short = [...lists.values()].filter((list) => new Set(list).size < k).length;
  return { queries: lists.size, ndcg_at_10: Number(evaluation.ndcg.toFixed(4)), mrr_at_10: Number(evaluation.mrr.toFixed(4)), fewer_than_10_documents: short };
}
const idOf = (result: { relative_path: string }) => result.relative_path.replace(/\.md$/, '');

const report: Record<string, unknown> = { mode, group, files, date: new Date().toISOString() };
let started = performance.now();
const folderEval = JSON.parse((await cairn(['eval', 'folder', folder, '--queries', join(scifact, 'queries.jsonl'), '--qrels', join(scifact, 'qrels', 'test.tsv'), '--mode', mode, '--json'])).stdout);
report.eval_folder = { ndcg_at_10: folderEval.ndcg_at_10, mrr_at_10: folderEval.mrr_at_10, recall_at_100: folderEval.recall_at_100, short_queries: folderEval.short_queries, chunks: folderEval.chunks, seconds: Math.round((performance.now() - started) / 1000) };
console.error(JSON.stringify(report.eval_folder));

started = performance.now();
await cairn(['ingest', folder, '--collection', 'scifact', '--json']);
report.ingest_seconds = Math.round((performance.now() - started) / 1000);

const transport = new StdioClientTransport({ command: process.execPath, args: [join(REPO_ROOT, 'bin', 'cairn.js'), 'mcp'], env: env as Record<string, string>, stderr: 'ignore' });
const client = new Client({ name: 'bench', version: '1' });
await client.connect(transport);
const mcpLists = new Map<string, string[]>();
started = performance.now();
for (const [id, text] of queries) {
  const result = await client.callTool({ name: 'search', arguments: { query: text, collection: 'scifact', k: 10, mode, group } });
  mcpLists.set(id, (result.structuredContent as { results: { relative_path: string }[] }).results.map(idOf));
}
report.mcp = { ...score(mcpLists), ms_per_query: Number(((performance.now() - started) / queries.length).toFixed(1)) };
await client.close();
console.error(JSON.stringify(report.mcp));

const cliLists = new Map<string, string[]>();
let differing = 0;
for (const [id, text] of queries.slice(0, cliQueries)) {
  const out = JSON.parse((await cairn(['search', text, '--collection', 'scifact', '-k', '10', '--mode', mode, ...(group === 'chunks' ? ['--chunks'] : []), '--json'])).stdout);
  const list = (out.results as { relative_path: string }[]).map(idOf);
  cliLists.set(id, list);
  if (JSON.stringify(list) !== JSON.stringify(mcpLists.get(id))) differing++;
}
report.cli = { ...score(cliLists), lists_differing_from_mcp: differing, mcp_on_same_queries: score(new Map([...mcpLists].filter(([id]) => cliLists.has(id)))) };
console.log(JSON.stringify(report, null, 2));
rmSync(work, { recursive: true, force: true });
