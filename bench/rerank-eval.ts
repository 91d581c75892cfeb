/**
 * SciFact (test, 300 queries) evaluated through `cairn eval beir` (the real CLI, bin/cairn.js → dist/)
 * with and without reranking, per-stage latency percentiles, and the paired comparisons.
 *
 *   npm run build && node --import tsx bench/rerank-eval.ts [--depth 50] [--out /tmp/rerank-eval]
 *
 * Rerankers (no trained cross-encoder's weights can be had on this machine, see ../shared/models/MANIFEST.md):
 * - `oracle`: an `http:` stand-in speaking the vLLM `/v1/rerank` protocol that scores a passage 1 when it
 *   is part of a document the qrels judge relevant for the query: the ceiling reranking at this depth can reach.
 * - `tiny-ce`: the ONNX cross-encoder built by src/testing/tiny-cross-encoder.ts (query/passage token
 *   overlap computed by a real ONNX graph through onnxruntime), on the CPU: the local rerank path's cost and
 *   what a lexical-overlap scorer does to a BM25 ranking.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SHARED, loadAverage } from './bench-support.js';
import { startStandInRerankServer } from '../src/testing/stand-in-rerank-server.js';
import { buildTinyCrossEncoder } from '../src/testing/tiny-cross-encoder.js';

const { values } = parseArgs({ options: { depth: { type: 'string', default: '50' }, out: { type: 'string', default: '/tmp/rerank-eval' } } });
const scifact = join(SHARED, 'data', 'beir', 'scifact');
const out = values.out as string;
mkdirSync(out, { recursive: true });

const corpus = new Map<string, string>();
for (const line of readFileSync(join(scifact, 'corpus.jsonl'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const doc = JSON.parse(line) as { _id: string; text: string };
  corpus.set(doc._id, doc.text.replace(/\s+/g, ' '));
}
const queries = new Map<string, string>();
for (const line of readFileSync(join(scifact, 'queries.jsonl'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const q = JSON.parse(line) as { _id: string; text: string };
  queries.set(q._id, q.text);
}
const relevant = new Map<string, string[]>();
for (const line of readFileSync(join(scifact, 'qrels', 'test.tsv'), 'utf8').split('\n').slice(1)) {
  const [qid, docId, score] = line.split('\t');
  if (!qid || !docId || Number(score) <= 0) continue;
  const text = queries.get(qid);
  const doc = corpus.get(docId);
  if (text && doc) relevant.set(text, [...(relevant.get(text) ?? []), doc]);
}
const oracle = await startStandInRerankServer((query, passage) => {
  const needle = passage.replace(/\s+/g, ' ').trim().slice(0, 200);
  return (relevant.get(query) ?? []).some((doc) => doc.includes(needle)) ? 1 : 0;
});
const models = join(out, 'models');
await buildTinyCrossEncoder(join(models, 'cairn', 'tiny-cross-encoder'));

const env = { ...process.env, CAIRN_HOME: join(out, 'home'), CAIRN_OFFLINE: '1', CAIRN_EMBEDDER: 'none', CAIRN_MODELS_DIR: models };
// Asynchronous: the stand-in server answers from this process's event loop.
async function cairn(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/cairn.js', ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return stdout;
}
const depth = values.depth as string;
const runs: Record<string, string[]> = {
  lexical: [],
  oracle: ['--rerank', '--reranker', `http:${oracle.baseUrl}#oracle`, '--rerank-depth', depth],
  'tiny-ce': ['--rerank', '--reranker', 'onnx:cairn/tiny-cross-encoder', '--rerank-depth', depth],
};
const started = new Date().toISOString();
const loadBefore = loadAverage();
for (const [name, extra] of Object.entries(runs)) {
  process.stdout.write(`== ${name}\n${await cairn(['eval', 'beir', scifact, ...extra, '--per-query', join(out, `${name}.json`)])}`);
}
for (const name of ['oracle', 'tiny-ce']) {
  process.stdout.write(`== compare lexical → ${name}\n${await cairn(['eval', 'compare', join(out, 'lexical.json'), join(out, `${name}.json`)])}`);
}
process.stdout.write(`started ${started}; load average before ${loadBefore.join(' ')}, after ${loadAverage().join(' ')}\n`);
await oracle.close();
