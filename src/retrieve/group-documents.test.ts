import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ScoredChunk } from '../core/search-types.js';
import { groupByDocument } from './group-documents.js';

function chunk(chunkId: number, documentId: number, score: number): ScoredChunk {
  return {
    chunkId, documentId, collection: 'kb', sourceUri: `file:///kb/${documentId}.md`, relativePath: `${documentId}.md`, title: `Doc ${documentId}`,
    format: 'markdown', text: `chunk ${chunkId}`, headingPath: [], ordinal: chunkId, score, scores: {}, snippet: '', highlights: [],
  };
}

test('ranked chunks become distinct documents in the order of their best chunk, passages best first and capped', () => {
  const ranked = [chunk(1, 10, 0.9), chunk(2, 10, 0.8), chunk(3, 20, 0.7), chunk(4, 10, 0.6), chunk(5, 10, 0.5), chunk(6, 30, 0.4), chunk(7, 20, 0.3)];
  const documents = groupByDocument(ranked, { k: 10, passages: 3 });
  assert.deepEqual(documents.map((d) => d.documentId), [10, 20, 30]);
  assert.deepEqual(documents.map((d) => d.score), [0.9, 0.7, 0.4], 'a document scores as its best chunk');
  assert.deepEqual(documents[0]?.passages.map((p) => p.chunkId), [1, 2, 4], 'at most 3 passages, best first');
  assert.deepEqual(documents[1]?.passages.map((p) => p.chunkId), [3, 7]);
});

test('k caps the documents; later chunks of kept documents still become their passages', () => {
  const ranked = [chunk(1, 10, 0.9), chunk(2, 20, 0.8), chunk(3, 30, 0.7), chunk(4, 20, 0.6)];
  const documents = groupByDocument(ranked, { k: 2, passages: 2 });
  assert.deepEqual(documents.map((d) => d.documentId), [10, 20]);
  assert.deepEqual(documents[1]?.passages.map((p) => p.chunkId), [2, 4]);
  assert.deepEqual(groupByDocument(ranked, { k: 5, passages: 0 }).map((d) => d.passages.length), [1, 1, 1], 'at least one passage');
});
