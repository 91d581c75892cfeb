import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Citation } from '../../core/answer-types.js';
import { citedNumbers, extractCitations } from './extract-citations.js';

const citation = (n: number): Citation => ({ n, kind: 'chunk', chunkIds: [n], sourceUri: `file:///${n}`, title: `t${n}`, headingPath: [], text: '', score: 1 });

test('single, adjacent, listed and ranged citations are all recognised', () => {
  assert.deepEqual(citedNumbers('A [1]. B [2][3]. C [4, 5]. D [6-8]. E [9–10]. F [1; 11]'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(citedNumbers('mixed [ 2 , 4-5 ]'), [2, 4, 5]);
});

test('brackets that are not citations are ignored', () => {
  assert.deepEqual(citedNumbers('see [note], array[i], [a-1], [], [3-1], [1-500] and [x 2]'), []);
  assert.deepEqual(citedNumbers('no brackets 1 2 3'), []);
});

test('extractCitations keeps only existing sources, ordered by number, each once', () => {
  const sources = [citation(1), citation(2), citation(3)];
  const used = extractCitations('Second [2]. First [1][2]. Invented [9].', sources);
  assert.deepEqual(used.map((c) => c.n), [1, 2]);
  assert.deepEqual(extractCitations('nothing cited', sources), []);
});
