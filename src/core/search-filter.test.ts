import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCairnError } from './cairn-error.js';
import { fileExtension, matchesFilter, normalizeFilter } from './search-filter.js';

const invalid = (error: unknown) => isCairnError(error) && error.code === 'INPUT_INVALID';

test('an absent or empty filter normalises to undefined', () => {
  assert.equal(normalizeFilter(undefined), undefined);
  assert.equal(normalizeFilter({}), undefined);
  assert.equal(normalizeFilter({ pathPrefix: '', pathGlob: ' ', language: [], fileType: [''], tags: [' '], modifiedAfter: '' }), undefined);
});

test('values are put in one form: lower case, no leading dot, distinct, dates in milliseconds', () => {
  assert.deepEqual(
    normalizeFilter({
      pathPrefix: 'Docs/',
      pathGlob: 'src/**/*.ts',
      language: ['TypeScript', 'typescript ', 'Go'],
      fileType: ['.MD', 'md', 'Markdown'],
      tags: ['Ops', 'ops', ''],
      modifiedAfter: '2024-01-10',
      modifiedBefore: '2024-01-10',
    }),
    {
      pathPrefix: 'Docs/',
      pathGlob: 'src/**/*.ts',
      language: ['typescript', 'go'],
      fileType: ['md', 'markdown'],
      tags: ['ops'],
      modifiedAfterMs: Date.UTC(2024, 0, 10),
      modifiedBeforeMs: Date.UTC(2024, 0, 11) - 1,
    },
  );
  assert.deepEqual(normalizeFilter({ modifiedBefore: '2024-01-10T06:00:00Z' }), { modifiedBeforeMs: Date.UTC(2024, 0, 10, 6) });
});

test('bad dates and globs are INPUT_INVALID with a hint', () => {
  assert.throws(() => normalizeFilter({ modifiedAfter: 'last tuesday' }), invalid);
  assert.throws(() => normalizeFilter({ modifiedBefore: '2024-13-45' }), invalid);
  for (const pathGlob of ['src/[ab', '{a,b', 'x'.repeat(1001)]) {
    assert.throws(() => normalizeFilter({ pathGlob }), (error: unknown) => invalid(error) && /glob/.test((error as Error).message + ((error as { hint?: string }).hint ?? '')), pathGlob.slice(0, 10));
  }
});

test('matchesFilter: every present field must hold', () => {
  const document = { relativePath: '.github/workflows/CI.YML', format: 'text', tags: ['ops', 'ci'], modifiedMs: Date.UTC(2024, 1, 15, 8) };
  const passes = (filter: Parameters<typeof normalizeFilter>[0]) => matchesFilter(normalizeFilter(filter)!, document);
  assert.equal(fileExtension(document.relativePath), 'yml');
  assert.ok(passes({ pathGlob: '.github/**' }), 'dot directories match');
  assert.ok(passes({ pathPrefix: '.github/', fileType: ['.yml'], tags: ['CI'] }));
  assert.ok(passes({ fileType: ['text'] }), 'the format matches as well as the extension');
  assert.ok(!passes({ pathPrefix: '.GitHub/' }), 'path prefixes are case-sensitive');
  assert.ok(!passes({ language: ['yaml'] }), 'a document without a language passes no language filter');
  assert.ok(!passes({ tags: ['ops', 'release'] }), 'every tag must be present');
  assert.ok(passes({ modifiedAfter: '2024-02-15', modifiedBefore: '2024-02-15' }), 'date-only bounds cover their whole day');
  assert.ok(!passes({ modifiedAfter: '2024-02-15T09:00:00Z' }));
});
