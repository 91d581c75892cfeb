import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { startStandInRerankServer, type StandInRerankServer } from '../../src/testing/stand-in-rerank-server.js';
import { buildTinyCrossEncoder } from '../../src/testing/tiny-cross-encoder.js';
import { runCli } from './run-cli.js';

// Each query's relevant document shares one or two words with it (lexical search must find it at all); a distractor repeats the query's words.
// BM25 ranks the distractor first, a reranker that knows the answers puts the relevant one first.
const CORPUS = [
  { _id: 'rotate', title: 'Credential hygiene', text: 'Replace each key on a schedule so that a leaked secret stops working after ninety days.' },
  { _id: 'rotate-noise', title: 'Ceremony notes', text: 'The signing key ceremony: how often the signing key party meets, and how to rotate chairs at the signing key table.' },
  { _id: 'tls', title: 'Edge termination', text: 'Terminate HTTPS at the edge router with a secret that holds the certificate and its private half.' },
  { _id: 'tls-noise', title: 'Meetup', text: 'TLS certificate for ingress: notes on the ingress TLS certificate talk and the ingress TLS certificate quiz.' },
  { _id: 'pasta', title: 'Cooking', text: 'Boil water, add salt, cook the pasta for nine minutes, drain it and serve.' },
  { _id: 'pasta-noise', title: 'Pasta shapes', text: 'How long to cook pasta shapes: a list of pasta shapes, how long the pasta shapes cook, how long.' },
];
const QUERIES = [
  { _id: 'q1', text: 'how often to rotate the signing key', relevant: 'rotate' },
  { _id: 'q2', text: 'tls certificate for ingress', relevant: 'tls' },
  { _id: 'q3', text: 'how long to cook pasta', relevant: 'pasta' },
];

let home: string;
let dataset: string;
let oracle: StandInRerankServer;
let ignorant: StandInRerankServer;
const env = () => ({ CAIRN_HOME: home, CAIRN_OFFLINE: '1', CAIRN_EMBEDDER: 'none' });

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'cairn-eval-rerank-'));
  dataset = join(home, 'traps');
  mkdirSync(join(dataset, 'qrels'), { recursive: true });
  writeFileSync(join(dataset, 'corpus.jsonl'), CORPUS.map((d) => JSON.stringify(d)).join('\n'));
  writeFileSync(join(dataset, 'queries.jsonl'), QUERIES.map(({ _id, text }) => JSON.stringify({ _id, text })).join('\n'));
  writeFileSync(join(dataset, 'qrels', 'test.tsv'), `query-id\tcorpus-id\tscore\n${QUERIES.map((q) => `${q._id}\t${q.relevant}\t1`).join('\n')}\n`);
  // Scores from the qrels: 1 when the passage is (part of) a document judged relevant for the query.
  const relevantText = new Map(QUERIES.map((q) => [q.text, CORPUS.find((d) => d._id === q.relevant)?.text ?? '']));
  oracle = await startStandInRerankServer((query, passage) => (relevantText.get(query)?.includes(passage.trim()) ? 1 : 0));
  ignorant = await startStandInRerankServer(() => 0);
});
after(async () => {
  await oracle?.close();
  await ignorant?.close();
  rmSync(home, { recursive: true, force: true });
});

test('rerank-lift gate: a reranker that knows the answers lifts nDCG@10 and MRR@10 through cairn eval beir --rerank', async () => {
  const lexicalFile = join(home, 'runs', 'lexical.json');
  const rerankFile = join(home, 'runs', 'rerank.json');
  const lexical = await runCli(['eval', 'beir', dataset, '--json', '--per-query', lexicalFile], env());
  assert.equal(lexical.code, 0, lexical.stderr);
  const l = JSON.parse(lexical.stdout);
  const reranked = await runCli(['eval', 'beir', dataset, '--json', '--rerank', '--reranker', `http:${oracle.baseUrl}#oracle`, '--rerank-depth', '10', '--per-query', rerankFile], env());
  assert.equal(reranked.code, 0, reranked.stderr);
  const r = JSON.parse(reranked.stdout);
  // The trap works: BM25 puts every distractor first.
  assert.ok(l.mrr_at_10 <= 0.5, `lexical MRR@10 ${l.mrr_at_10}: the distractors should rank first`);
  assert.equal(r.reranker, `http:${oracle.baseUrl}#oracle`);
  assert.equal(r.rerank_depth, 10);
  assert.equal(r.ndcg_at_10, 1);
  assert.equal(r.mrr_at_10, 1);
  assert.ok(r.ndcg_at_10 >= l.ndcg_at_10 + 0.2, `reranked nDCG@10 ${r.ndcg_at_10} vs lexical ${l.ndcg_at_10}`);
  assert.ok(oracle.requests > QUERIES.length, 'every query went to the rerank server');
  // Stage latency: the lexical arm, the reranker and the total, each with p50 ≤ p95 ≤ p99.
  for (const stage of ['lexical', 'rerank', 'total']) {
    const p = r.latency_ms[stage];
    assert.ok(p && p.count === QUERIES.length && p.p50 <= p.p95 && p.p95 <= p.p99, `${stage}: ${JSON.stringify(p)}`);
  }
  assert.equal(r.latency_ms.dense, undefined);
  assert.equal(l.latency_ms.rerank, undefined);

  // Per-query files and TREC runs, then the paired comparison.
  const perQuery = JSON.parse(readFileSync(rerankFile, 'utf8'));
  assert.equal(perQuery.format, 'cairn-per-query/1');
  assert.deepEqual(perQuery.queries.map((q: { query_id: string; ndcg_at_10: number }) => [q.query_id, q.ndcg_at_10]), [['q1', 1], ['q2', 1], ['q3', 1]]);
  const trec = readFileSync(join(home, 'runs', 'rerank.trec'), 'utf8').trim().split('\n');
  assert.ok(trec.some((line) => /^q1 Q0 rotate 1 \S+ cairn-lexical-rerank$/.test(line)), trec.slice(0, 3).join('\n'));
  assert.ok(readFileSync(join(home, 'runs', 'lexical.trec'), 'utf8').startsWith('q1 Q0 rotate-noise 1 '));
  const compared = await runCli(['eval', 'compare', lexicalFile, rerankFile, '--json'], env());
  assert.equal(compared.code, 0, compared.stderr);
  const c = JSON.parse(compared.stdout);
  assert.equal(c.queries, 3);
  assert.ok(Math.abs(c.metrics.ndcg_at_10.meanDifference - (r.ndcg_at_10 - l.ndcg_at_10)) < 1e-3);
  assert.deepEqual(c.wins.mrr_at_10, { better: 3, same: 0, worse: 0 });
  // Three queries cannot make a significant difference: every sign flip of three equal gains is as extreme 1 time in 4.
  assert.ok(c.metrics.mrr_at_10.randomisationP > 0.2, `p ${c.metrics.mrr_at_10.randomisationP}`);
  const text = await runCli(['eval', 'compare', lexicalFile, rerankFile], env());
  assert.match(text.stdout, /3 paired queries/);
  assert.match(text.stdout, /ndcg_at_10 .*\+0\.\d{4}.*3\/0\/0/);
});

test('cairn eval folder --rerank: the same lift over files ingested as files, with stage latency and per-query files', async () => {
  const folder = join(home, 'trap-files');
  mkdirSync(folder, { recursive: true });
  for (const document of CORPUS) writeFileSync(join(folder, `${document._id}.txt`), `${document.text}\n`);
  const common = ['eval', 'folder', folder, '--queries', join(dataset, 'queries.jsonl'), '--qrels', join(dataset, 'qrels', 'test.tsv'), '--json'];
  const lexical = await runCli(common, env());
  assert.equal(lexical.code, 0, lexical.stderr);
  const l = JSON.parse(lexical.stdout);
  assert.ok(l.mrr_at_10 <= 0.5, `lexical MRR@10 ${l.mrr_at_10}: the distractors should rank first`);
  const perQueryFile = join(home, 'runs', 'folder-rerank.json');
  const reranked = await runCli([...common, '--rerank', '--reranker', `http:${oracle.baseUrl}#oracle`, '--rerank-depth', '10', '--per-query', perQueryFile], env());
  assert.equal(reranked.code, 0, reranked.stderr);
  const r = JSON.parse(reranked.stdout);
  assert.equal(r.unmatched_judgments, 0);
  assert.equal(r.rerank_depth, 10);
  assert.equal(r.ndcg_at_10, 1);
  assert.equal(r.latency_ms.rerank?.count, QUERIES.length);
  const perQuery = JSON.parse(readFileSync(perQueryFile, 'utf8'));
  assert.match(perQuery.label, /^trap-files · lexical · none · 10 · http:/);
  assert.ok(readFileSync(join(home, 'runs', 'folder-rerank.trec'), 'utf8').startsWith('q1 Q0 rotate 1 '));
});

test('a reranker that knows nothing keeps the retrieval order (ties keep it), so the lift above is the reranker\'s', async () => {
  const lexical = JSON.parse((await runCli(['eval', 'beir', dataset, '--json'], env())).stdout);
  const result = await runCli(['eval', 'beir', dataset, '--json', '--rerank', '--reranker', `http:${ignorant.baseUrl}#zero`], env());
  assert.equal(result.code, 0, result.stderr);
  const r = JSON.parse(result.stdout);
  assert.equal(r.ndcg_at_10, lexical.ndcg_at_10);
  assert.equal(r.mrr_at_10, lexical.mrr_at_10);
});

test('an unreachable reranker fails the evaluation instead of reporting unreranked numbers', async () => {
  const result = await runCli(['eval', 'beir', dataset, '--json', '--rerank', '--reranker', 'http:http://127.0.0.1:9/v1#gone'], env());
  assert.equal(result.code, 1, result.stdout);
  assert.match(result.stderr, /could not be reached|not available/);
  assert.equal(result.stdout, '');
});

test('a tiny ONNX cross-encoder with a classification head reranks through eval and search; a headless model is refused', async (t) => {
  if (!sharedPath('models', 'cairn', 'tiny-random-bert')) return t.skip(SHARED_MISSING);
  const models = join(home, 'models');
  await buildTinyCrossEncoder(join(models, 'cairn', 'tiny-cross-encoder'));
  const withModels = { ...env(), CAIRN_MODELS_DIR: models };
  const result = await runCli(['eval', 'beir', dataset, '--rerank', '--reranker', 'onnx:cairn/tiny-cross-encoder', '--device', 'cuda'], withModels);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /rerank onnx:cairn\/tiny-cross-encoder top 50 on cpu/);
  assert.match(result.stdout, /^ {2}rerank +\d+\.\d{2} +\d+\.\d{2} +\d+\.\d{2}$/m);
  assert.match(result.stdout, /^ {2}total +\d/m);
  // This machine has no CUDA provider: the model fell back to the CPU and said so once.
  assert.equal(result.stderr.match(/Reranker onnx:cairn\/tiny-cross-encoder runs on the CPU: embed.device is cuda but/g)?.length, 1, result.stderr);

  // cairn search --rerank: the same reranker orders a collection's results.
  const docs = join(home, 'docs');
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'a.md'), '# Pasta\n\nHow long to cook pasta shapes: pasta shapes, pasta shapes and more pasta shapes.\n');
  writeFileSync(join(docs, 'b.md'), '# Boil\n\nCook pasta nine minutes.\n');
  assert.equal((await runCli(['ingest', docs, '-c', 'kb'], withModels)).code, 0);
  const searched = await runCli(['search', 'cook', 'pasta', '-c', 'kb', '--mode', 'lexical', '--rerank', '--reranker', 'onnx:cairn/tiny-cross-encoder', '--json'], withModels);
  assert.equal(searched.code, 0, searched.stderr);
  const hits = JSON.parse(searched.stdout).results;
  assert.equal(hits.length, 2);
  assert.ok(hits.every((hit: { scores: { rerank?: { rank: number } } }, i: number) => hit.scores.rerank?.rank === i + 1), JSON.stringify(hits[0].scores));
  assert.ok(JSON.parse(searched.stdout).timings.rerankMs >= 0);

  // tiny-random-bert is an encoder without a classification head: refused before any ingest, with what to use instead.
  const configFile = join(home, 'fp32.json');
  writeFileSync(configFile, JSON.stringify({ models: { onnxDtype: 'fp32' } }));
  const headless = await runCli(['--config', configFile, 'eval', 'beir', dataset, '--rerank', '--reranker', 'onnx:cairn/tiny-random-bert'], { ...env(), CAIRN_MODELS_DIR: sharedPath('models') as string });
  assert.equal(headless.code, 1, headless.stdout);
  assert.match(headless.stderr, /has no classification head: it outputs last_hidden_state, a cross-encoder outputs logits/);
  assert.match(headless.stderr, /ms-marco-MiniLM-L-6-v2/);
  assert.doesNotMatch(headless.stderr, /ingested/);
});
