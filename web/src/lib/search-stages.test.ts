import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { searchResponseSchema } from '../../../src/http/http-schemas.js';
import { SEARCH_STAGES } from './search-stages.js';

describe('SEARCH_STAGES', () => {
  it('names exactly the stage timings the server sends in /v1/search', () => {
    const serverKeys = Object.keys(searchResponseSchema.shape.timings.shape).sort();
    assert.deepEqual(SEARCH_STAGES.map(([key]) => key).sort(), serverKeys);
  });
});
