import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isCairnError } from '../core/cairn-error.js';
import { loadBeirDataset, readQrels } from './beir-dataset.js';

function makeDataset(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-beir-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const corpus = [
  '{"_id": "d1", "title": "Signing keys", "text": "Rotate the signing key monthly.", "metadata": {}}',
  '{"_id": 7, "text": "A document with a numeric id and no title."}',
  '',
].join('\n');
const queries = '{"_id": "q1", "text": "rotate key"}\n{"_id": "q2", "text": "numeric"}\n{"_id": "q3", "text": "unjudged"}\n';

test('loadBeirDataset reads corpus, judged queries and qrels', async (t) => {
  const dir = makeDataset({
    'corpus.jsonl': corpus,
    'queries.jsonl': queries,
    'qrels/test.tsv': 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\t7\t2\nq2\td1\t0\nq5\td1\t1\n',
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataset = await loadBeirDataset(dir);
  assert.equal(dataset.split, 'test');
  assert.deepEqual([...dataset.queries], [['q1', 'rotate key'], ['q2', 'numeric']]);
  assert.deepEqual(dataset.missingQueryIds, ['q5']);
  assert.deepEqual([...(dataset.qrels.get('q2') ?? [])], [['7', 2], ['d1', 0]]);
  assert.equal(dataset.qrels.has('q5'), false);
  const documents = [];
  for await (const document of dataset.corpus()) documents.push(document);
  assert.deepEqual(documents, [
    { id: 'd1', title: 'Signing keys', text: 'Rotate the signing key monthly.' },
    { id: '7', title: '', text: 'A document with a numeric id and no title.' },
  ]);
  // The corpus can be streamed twice.
  let count = 0;
  for await (const _ of dataset.corpus()) count++;
  assert.equal(count, 2);
});

test('missing files and malformed lines give CairnErrors naming the file', async (t) => {
  const noQrels = makeDataset({ 'corpus.jsonl': corpus, 'queries.jsonl': queries });
  const badJson = makeDataset({ 'corpus.jsonl': '{"_id": "d1", "text": oops}\n', 'queries.jsonl': queries, 'qrels/test.tsv': 'q1\td1\t1\n' });
  const badQrels = makeDataset({ 'corpus.jsonl': corpus, 'queries.jsonl': queries, 'qrels/test.tsv': 'q1\td1\t1\nq2 d1 1\n' });
  t.after(() => [noQrels, badJson, badQrels].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  await assert.rejects(loadBeirDataset(join(noQrels, 'absent')), (error) => isCairnError(error) && error.code === 'SOURCE_NOT_FOUND');
  await assert.rejects(
    loadBeirDataset(noQrels),
    (error) => isCairnError(error) && error.code === 'SOURCE_NOT_FOUND' && error.message.includes(join('qrels', 'test.tsv')),
  );
  await assert.rejects(
    loadBeirDataset(noQrels, 'dev'),
    (error) => isCairnError(error) && error.message.includes('dev.tsv'),
  );
  await assert.rejects(
    loadBeirDataset(badQrels),
    (error) => isCairnError(error) && error.code === 'INPUT_INVALID' && error.message.includes('line 2'),
  );
  const dataset = await loadBeirDataset(badJson);
  await assert.rejects(
    (async () => {
      for await (const _ of dataset.corpus()) void _;
    })(),
    (error) => isCairnError(error) && error.code === 'INPUT_INVALID' && error.message.includes('corpus.jsonl line 1'),
  );
  await assert.rejects(readQrels(join(badJson, 'nope.tsv')), (error) => isCairnError(error) && error.code === 'SOURCE_NOT_FOUND');
});
