import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Citation } from '../../core/answer-types.js';
import { analyzeQuery } from '../../models/tokenize/lexical-analyzer.js';
import { markdownToBlocks } from '../../ingest/parse/markdown-to-blocks.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { bestSentences, EXTRACTIVE_LABELS, extractiveAnswer, NO_SOURCES_TEXT } from './extractive-answer.js';

const source = (n: number, text: string): Citation => ({ n, kind: 'chunk', chunkIds: [n], sourceUri: `file:///${n}.md`, title: `T${n}`, headingPath: [], text, score: 1 / n });

test('the answer is labelled, one passage per source in source order, each followed by its [n]', () => {
  const answer = extractiveAnswer('How do I rotate the signing key?', [
    source(2, 'Keys expire after a year. Rotation is manual.'),
    source(1, 'Install with npm. To rotate the signing key, run cairn keys rotate. The old key stays valid for a day.'),
  ], { reason: 'no-model' });
  const lines = answer.split('\n');
  assert.equal(lines[0], EXTRACTIVE_LABELS['no-model']);
  assert.match(lines[2] ?? '', /^- .*rotate the signing key, run cairn keys rotate\..* \[1\]$/);
  assert.doesNotMatch(lines[2] ?? '', /Install with npm/, 'the sentence without query terms is left out');
  assert.match(lines[3] ?? '', /\[2\]$/);
});

test('the unreachable label differs and an empty source list says so', () => {
  const answer = extractiveAnswer('anything', [], { reason: 'unreachable' });
  assert.equal(answer, `${EXTRACTIVE_LABELS.unreachable}\n\n${NO_SOURCES_TEXT}`);
});

test('bestSentences keeps the highest-overlap sentences in text order, capped', () => {
  const text = 'Alpha one. Beta tls ingress. Gamma two. Delta tls. Epsilon ingress tls certificate.';
  assert.equal(bestSentences(text, new Set(['tls', 'ingress', 'certificate']), 2), 'Beta tls ingress. Epsilon ingress tls certificate.');
  assert.equal(bestSentences(text, new Set(['zzz']), 2), 'Epsilon ingress tls certificate.', 'without overlap: leading sentences of 4+ words');
  assert.equal(bestSentences('Go. Run. Stop.', new Set(['zzz']), 2), 'Go. Run.');
});

test('passages are capped by maxPassages', () => {
  const citations = [1, 2, 3, 4, 5].map((n) => source(n, `Passage ${n} text.`));
  const answer = extractiveAnswer('passage', citations, { reason: 'no-model', maxPassages: 2 });
  assert.equal(answer.split('\n').filter((line) => line.startsWith('- ')).length, 2);
});

test('sentences are not split inside URLs, version numbers or abbreviations', () => {
  const text =
    'Before FastAPI 0.118.0, if you used a dependency with `yield`, it ran the exit code early. ' +
    'See [Exception Handlers](https://fastapi.tiangolo.com/tutorial/handling-errors/#install-custom-exception-handlers) for the handlers. ' +
    'Use a server, e.g. Uvicorn or Hypercorn, vs. the old way (cf. Fig. 2).';
  const answer = bestSentences(text, new Set(analyzeQuery('fastapi exit handlers server')), 3);
  assert.equal(
    answer,
    'Before FastAPI 0.118.0, if you used a dependency with `yield`, it ran the exit code early. ' +
      'See Exception Handlers for the handlers. Use a server, e.g. Uvicorn or Hypercorn, vs. the old way (cf. Fig. 2).',
  );
});

test('markup is removed before quoting: HTML tags and their attributes, links, emphasis, code blocks, admonitions', () => {
  const text = [
    '/// tip',
    '',
    'That "wait" means <abbr title="Input and Output: disk reading or writing, network communications.">I/O</abbr> operations, like **reading** a _file_.',
    '',
    '///',
    '',
    '```python',
    'async def read_file(): ...',
    '```',
    '',
    '{* ../../docs_src/async/tutorial001.py hl[3] *}',
    '',
    '* <a href="https://example.com/a.b" class="external-link" target="_blank">Read the guide</a> about I/O &amp; files.',
  ].join('\n');
  assert.equal(
    bestSentences(text, new Set(analyzeQuery('reading files I/O')), 3),
    'That "wait" means I/O operations, like reading a file. Read the guide about I/O & files.',
  );
});

test('a sentence is never quoted twice, within a source or across sources', () => {
  const repeated = 'Before FastAPI 0.118.0, the exit code of a dependency with yield ran before the response was sent.';
  const answer = extractiveAnswer('exit code dependency yield FastAPI 0.118.0', [
    source(1, `${repeated} It was reverted in 0.118.0. ${repeated}`),
    source(2, `${repeated.toUpperCase()}`),
    source(3, `Release notes. ${repeated} Dependencies with yield now exit after the response.`),
  ], { reason: 'no-model' });
  const body = answer.split('\n').slice(2);
  assert.equal(body.length, 2, `source 2 only repeats source 1, so it is left out:\n${answer}`);
  assert.equal(answer.split('Before FastAPI 0.118.0').length - 1, 1, answer);
  assert.match(body[0] ?? '', /\[1\]$/);
  assert.match(body[1] ?? '', /^- Dependencies with yield now exit after the response\. \[3\]$/);
});

test('a passage that is only code is quoted by its first line as code', () => {
  assert.equal(bestSentences('```ts\nexport function rotateKey(id: string) {}\n```', new Set(['rotate']), 3), '`export function rotateKey(id: string) {}`');
});

/** Two adjacent words that were one token cut at a dot: `(https://github.` + `com/…`, `FastAPI 0.` + `118.0`. */
function splitInsideToken(word: string, next: string): boolean {
  return (/\d\.$/.test(word) && /^\d/.test(next)) || (/:\/\/\S*\.$/.test(word) && /^[a-z]/.test(next));
}

test('FastAPI docs of the docs corpus: no split inside a token, no markup, no repeated sentence', async (t) => {
  const root = sharedPath('data', 'docs-corpus', 'fastapi', 'docs', 'en', 'docs');
  if (root === null) return t.skip(SHARED_MISSING);
  const files = ['release-notes.md', 'advanced/advanced-dependencies.md', 'advanced/templates.md', 'async.md', 'alternatives.md', 'tutorial/dependencies/dependencies-with-yield.md', 'deployment/https.md'];
  let quotedSentences = 0;
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8');
    // Passages as the chunker makes them: a few consecutive blocks of the file.
    const blocks = markdownToBlocks(text).filter((block) => block.kind !== 'heading').map((block) => block.text);
    const passages: string[] = [];
    for (let index = 0; index < blocks.length; index += 6) passages.push(blocks.slice(index, index + 6).join('\n\n'));
    for (let index = 0; index < passages.length; index += 4) {
      const citations = passages.slice(index, index + 4).map((passage, offset) => source(offset + 1, passage));
      const answer = extractiveAnswer('FastAPI 0.118.0 dependency yield exit code https github response', citations, { reason: 'no-model', maxPassages: 4, maxSentences: 20 });
      const sentences = answer.split('\n').slice(2).flatMap((line) => line.replace(/^- /, '').replace(/ \[\d+\]$/, '').split(/(?<=[.!?]) (?=\S)/));
      quotedSentences += sentences.length;
      assert.doesNotMatch(answer, /<\/?[a-z][\w-]*[\s>]|\b(?:title|href|class)="/i, `${file}: HTML left in\n${answer}`);
      const outsideCode = answer.replace(/`[^`]*`/g, '');
      assert.doesNotMatch(outsideCode, /\]\(|\*\*|\{ ?#|^```|\{\*/m, `${file}: Markdown syntax left in\n${answer}`);
      assert.doesNotMatch(answer, /\(https:\/\/github\.(?:\s|$)|FastAPI 0\.(?:\s|$)/, `${file}: the reported failure\n${answer}`);
      const keys = sentences.map((sentence) => sentence.toLowerCase());
      const lines = answer.split('\n').slice(2);
      for (const line of lines) {
        const parts = line.replace(/^- /, '').replace(/ \[\d+\]$/, '').split(' ');
        for (let word = 0; word + 1 < parts.length; word++) {
          if (splitInsideToken(parts[word] ?? '', parts[word + 1] ?? '')) assert.fail(`${file}: "${parts[word]} ${parts[word + 1]}" looks split inside a token\n${line}`);
        }
      }
      assert.equal(new Set(lines.map((line) => line.replace(/ \[\d+\]$/, ''))).size, lines.length, `${file}: a passage repeated\n${answer}`);
      assert.ok(keys.length > 0);
    }
  }
  assert.ok(quotedSentences > 300, `only ${quotedSentences} sentences quoted`);
});
