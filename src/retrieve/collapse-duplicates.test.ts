import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DuplicateMember } from '../stores/chunk-store.js';
import { collapseDuplicates } from './collapse-duplicates.js';

const member = (documentId: number, relativePath: string): DuplicateMember => ({ documentId, relativePath, uri: `file:///${relativePath}`, title: relativePath });

test('collapseDuplicates keeps the best result of a cluster, lists the others and keeps every chunk of the kept document', () => {
  const cluster = [member(1, 'a/guide.md'), member(4, 'b/guide.md'), member(9, 'c/guide.md')];
  const clusters = new Map([[1, cluster], [4, cluster], [9, cluster]]);
  const results = [
    { documentId: 4, chunk: 'b0' },
    { documentId: 2, chunk: 'x0' },
    { documentId: 1, chunk: 'a0' },
    { documentId: 4, chunk: 'b1' },
    { documentId: 9, chunk: 'c0' },
  ];
  const collapsed = collapseDuplicates(results, clusters);
  assert.deepEqual(collapsed.map((result) => result.chunk), ['b0', 'x0', 'b1']);
  assert.deepEqual(collapsed[0]!.alsoIn, ['a/guide.md', 'c/guide.md']);
  assert.equal(collapsed[1]!.alsoIn, undefined);
});

test('collapseDuplicates leaves a list without clusters as it is', () => {
  const results = [{ documentId: 1 }, { documentId: 2 }];
  assert.deepEqual(collapseDuplicates(results, new Map()), results);
});
