import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editDistance, suggestCollections } from './collection-suggestions.js';

describe('suggestCollections', () => {
  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('docs', 'dcos'), 1);
    assert.equal(editDistance('kb', 'KB'), 0);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('offers the collections a misspelling is close to, closest first', () => {
    const existing = ['handbook', 'kb', 'engineering-notes', 'default'];
    assert.deepEqual(suggestCollections('hnadbook', existing), ['handbook']);
    assert.deepEqual(suggestCollections('kbb', existing), ['kb']);
    assert.deepEqual(suggestCollections('engineering', existing), ['engineering-notes']);
    assert.deepEqual(suggestCollections('Default', existing), ['default']);
  });

  it('offers every collection when none is close, so there is always something to pick', () => {
    assert.deepEqual(suggestCollections('zzz', ['kb', 'handbook']), ['handbook', 'kb']);
    assert.deepEqual(suggestCollections('zzz', []), []);
    assert.equal(suggestCollections('x', Array.from({ length: 9 }, (_, i) => `c${i}`), 3).length, 3);
  });
});
