import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closestName, editDistance } from './closest-name.js';

test('editDistance counts insertions, deletions, substitutions and adjacent swaps', () => {
  assert.equal(editDistance('kb', 'kb'), 0);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('docs', 'doc'), 1);
  assert.equal(editDistance('docs', 'dosc'), 1, 'a swap of neighbours is one edit');
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closestName: case, small typos, prefixes; nothing for a name far from every candidate', () => {
  const names = ['docs', 'fastapi-docs', 'kb', 'notes'];
  assert.equal(closestName('DOCS', names), 'docs');
  assert.equal(closestName('dosc', names), 'docs');
  assert.equal(closestName('note', names), 'notes');
  assert.equal(closestName('fastpi-docs', names), 'fastapi-docs');
  assert.equal(closestName('fast', names), 'fastapi-docs');
  assert.equal(closestName('kc', names), 'kb');
  assert.equal(closestName('zzzzzz', names), undefined);
  assert.equal(closestName('anything', []), undefined);
});
