import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uploadBatches } from './upload-batches.js';

describe('uploadBatches', () => {
  it('splits a pick into requests of at most the server limit, in order', () => {
    const files = Array.from({ length: 2501 }, (_, i) => i);
    const batches = uploadBatches(files, 1000);
    assert.deepEqual(batches.map((batch) => batch.length), [1000, 1000, 501]);
    assert.deepEqual(batches.flat(), files);
  });

  it('keeps a pick under the limit in one request, and answers none for an empty pick', () => {
    assert.deepEqual(uploadBatches(['a', 'b'], 1000), [['a', 'b']]);
    assert.deepEqual(uploadBatches(['a', 'b', 'c'], 3), [['a', 'b', 'c']]);
    assert.deepEqual(uploadBatches([], 1000), []);
  });

  it('never makes empty requests from a nonsense limit', () => {
    assert.deepEqual(uploadBatches(['a', 'b'], 0), [['a'], ['b']]);
  });
});
