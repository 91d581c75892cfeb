import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';

let home: string;
let dataset: string;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'cairn-eval-'));
  dataset = join(home, 'tiny');
  mkdirSync(join(dataset, 'qrels'), { recursive: true });
  const corpus = [
    { _id: 'd1', title: 'Rotating signing keys', text: 'Rotate the signing key every ninety days and publish the new public key.' },
    { _id: 'd2', title: 'Ingress TLS', text: 'Configure TLS for the ingress controller with a certificate secret.' },
    { _id: 'd3', title: 'Cooking pasta', text: 'Boil water, add salt, cook the pasta for nine minutes.' },
  ];
  writeFileSync(join(dataset, 'corpus.jsonl'), corpus.map((d) => JSON.stringify(d)).join('\n'));
  writeFileSync(join(dataset, 'queries.jsonl'), [{ _id: 'q1', text: 'how to rotate the signing key' }, { _id: 'q2', text: 'tls certificate for ingress' }].map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(join(dataset, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n');
});
after(() => rmSync(home, { recursive: true, force: true }));

test('cairn eval beir --json prints exactly one JSON object with the metric keys', async () => {
  const result = await runCli(['eval', 'beir', dataset, '--mode', 'lexical', '--json'], { CAIRN_HOME: home, CAIRN_OFFLINE: '1' });
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  for (const key of ['dataset', 'mode', 'queries', 'ndcg_at_10', 'recall_at_100', 'mrr_at_10']) assert.ok(key in report, key);
  assert.equal(report.dataset, 'tiny');
  assert.equal(report.mode, 'lexical');
  assert.equal(report.queries, 2);
  // Both relevant documents are ranked first by BM25: every metric is 1.
  assert.equal(report.ndcg_at_10, 1);
  assert.equal(report.mrr_at_10, 1);
  assert.equal(report.recall_at_100, 1);
  // The throw-away collection is gone afterwards.
  const list = JSON.parse((await runCli(['collections', '--json'], { CAIRN_HOME: home })).stdout);
  assert.equal(list.collections.length, 0);
});

test('SciFact quality gate: lexical nDCG@10 >= 0.67; adaptive hybrid with the static model not below lexical - 0.002 (nDCG@10 and MRR@10)', async (t) => {
  const scifact = sharedPath('data', 'beir', 'scifact');
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  if (!scifact || !model) return t.skip(SHARED_MISSING);
  const env = { CAIRN_HOME: home, CAIRN_OFFLINE: '1', CAIRN_EMBEDDER: `static:${model}` };
  const lexical = await runCli(['eval', 'beir', scifact, '--mode', 'lexical', '--json'], env);
  assert.equal(lexical.code, 0, lexical.stderr);
  const hybrid = await runCli(['eval', 'beir', scifact, '--mode', 'hybrid', '--json'], env);
  assert.equal(hybrid.code, 0, hybrid.stderr);
  const l = JSON.parse(lexical.stdout);
  const h = JSON.parse(hybrid.stdout);
  assert.equal(l.queries, 300);
  assert.ok(l.ndcg_at_10 >= 0.67, `lexical nDCG@10 ${l.ndcg_at_10} (published BM25: 0.665)`);
  assert.equal(h.mode, 'hybrid');
  assert.equal(h.fusion, 'adaptive');
  // The fusion guard's promise (docs/decisions/0033-adaptive-fusion.md): never worse than the better arm
  // by more than 0.002; with the static model the better arm is lexical (dense is ~0.49).
  assert.ok(h.ndcg_at_10 >= l.ndcg_at_10 - 0.002, `hybrid nDCG@10 ${h.ndcg_at_10} below lexical ${l.ndcg_at_10} - 0.002`);
  assert.ok(h.mrr_at_10 >= l.mrr_at_10 - 0.002, `hybrid MRR@10 ${h.mrr_at_10} below lexical ${l.mrr_at_10} - 0.002`);
});

test('cairn eval folder: files ingested as files, qrels by relative path (with or without extension), measured through cairn search', async () => {
  const folder = join(home, 'notes');
  mkdirSync(join(folder, 'guide'), { recursive: true });
  writeFileSync(join(folder, 'd1.md'), '# Rotating signing keys\n\nRotate the signing key every ninety days and publish the new public key.\n');
  writeFileSync(join(folder, 'guide', 'tls.md'), '# Ingress TLS\n\nConfigure TLS for the ingress controller with a certificate secret.\n');
  writeFileSync(join(folder, 'pasta.txt'), 'Boil water, add salt, cook the pasta for nine minutes.\n');
  const queries = join(home, 'folder-queries.jsonl');
  const qrels = join(home, 'folder-qrels.tsv');
  writeFileSync(queries, [{ _id: 'q1', text: 'how to rotate the signing key' }, { _id: 'q2', text: 'tls certificate for ingress' }, { _id: 'q3', text: 'cook pasta' }].map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(qrels, 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\tguide/tls.md\t1\nq3\tpasta\t1\nq3\tmissing.md\t1\n');
  const env = { CAIRN_HOME: home, CAIRN_OFFLINE: '1' };
  const result = await runCli(['eval', 'folder', folder, '--queries', queries, '--qrels', qrels, '--mode', 'lexical', '--json'], env);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout);
  assert.equal(report.files, 3);
  assert.equal(report.queries, 3);
  assert.equal(report.k, 10);
  assert.equal(report.unmatched_judgments, 1, 'missing.md is no ingested file');
  assert.equal(report.mrr_at_10, 1, 'each query finds its file first');
  assert.equal(report.recall_at_100, 0.8333, 'q3 cannot find missing.md');
  assert.equal(report.short_queries, 3, 'three files: every query got fewer than 10 documents');
  const list = JSON.parse((await runCli(['collections', '--json'], env)).stdout);
  assert.equal(list.collections.length, 0, 'the throw-away collection is gone');
  const text = await runCli(['eval', 'folder', folder, '--queries', queries, '--qrels', join(home, 'nope.tsv')], env);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /qrels file not found/);
});
