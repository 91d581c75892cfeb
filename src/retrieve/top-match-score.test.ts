import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScoredChunk } from '../core/search-types.js';
import { topMatchScore } from './top-match-score.js';

const chunk = (score: number, scores: ScoredChunk['scores']): ScoredChunk => ({
  chunkId: 1, documentId: 1, collection: 'kb', sourceUri: 'file:///a.md', relativePath: 'a.md', title: 'A', format: 'markdown',
  text: 'a', headingPath: [], score, scores, snippet: 'a', highlights: [],
});

test('topMatchScore: the best dense cosine for dense and hybrid, the best BM25 for lexical, null without one', () => {
  const hybrid = [chunk(1, { lexical: { rank: 1, score: 9 }, dense: { rank: 2, score: 0.42 } }), chunk(0.7, { dense: { rank: 1, score: 0.61 } }), chunk(0.5, { lexical: { rank: 2, score: 4 } })];
  assert.equal(topMatchScore(hybrid, 'hybrid'), 0.61);
  assert.equal(topMatchScore(hybrid, 'dense'), 0.61);
  assert.equal(topMatchScore([chunk(7.5, { lexical: { rank: 1, score: 7.5 } }), chunk(3, { lexical: { rank: 2, score: 3 } })], 'lexical'), 7.5);
  assert.equal(topMatchScore([chunk(1, { lexical: { rank: 1, score: 9 } })], 'hybrid'), null);
  assert.equal(topMatchScore([], 'lexical'), null);
});
