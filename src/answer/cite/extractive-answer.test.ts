import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Citation } from '../../core/answer-types.js';
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
  assert.equal(bestSentences('a. b. c.', new Set(['zzz']), 2), 'a. b.');
});

test('passages are capped by maxPassages', () => {
  const citations = [1, 2, 3, 4, 5].map((n) => source(n, `Passage ${n} text.`));
  const answer = extractiveAnswer('passage', citations, { reason: 'no-model', maxPassages: 2 });
  assert.equal(answer.split('\n').filter((line) => line.startsWith('- ')).length, 2);
});
