import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitSentences } from './split-sentences.js';

test('no break inside URLs, versions, file names or after abbreviations; breaks at real sentence ends', () => {
  assert.deepEqual(splitSentences('Before FastAPI 0.118.0, the code ran early. See https://github.com/fastapi/fastapi/pull/1. Edit main.py. Done'), [
    'Before FastAPI 0.118.0, the code ran early.',
    'See https://github.com/fastapi/fastapi/pull/1.',
    'Edit main.py.',
    'Done',
  ]);
  assert.deepEqual(splitSentences('Use a server, e.g. Uvicorn, vs. Gunicorn (cf. Fig. 2 and No. 5). Dr. Smith agrees. The answer is no. Then stop.'), [
    'Use a server, e.g. Uvicorn, vs. Gunicorn (cf. Fig. 2 and No. 5).',
    'Dr. Smith agrees.',
    'The answer is no.',
    'Then stop.',
  ]);
});

test('whitespace is collapsed and empty input gives no sentence', () => {
  assert.deepEqual(splitSentences('  One   sentence.\n Two?  '), ['One sentence.', 'Two?']);
  assert.deepEqual(splitSentences(' \n '), []);
});
