import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFilter, normalizeFilter } from '../core/search-filter.js';
import { FILTER_CASES, FILTER_DOCUMENTS } from './store-contract-fixtures.js';

test('the contract suites\' filter cases agree with core\'s reference semantics', () => {
  for (const { filter, paths } of FILTER_CASES) {
    const normalized = normalizeFilter(filter);
    const passing = FILTER_DOCUMENTS.filter((document) =>
      normalized === undefined ? true : matchesFilter(normalized, { ...document, relativePath: document.path, modifiedMs: Date.parse(document.modified) }),
    );
    assert.deepEqual(passing.map((document) => document.path).sort(), [...paths].sort(), JSON.stringify(filter));
  }
});
