import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CairnError, type ErrorCode } from '../core/cairn-error.js';
import { REPO_ROOT } from '../testing/shared-data.js';
import { httpStatusOf, problemFromError } from './problem-details.js';

describe('problem details', () => {
  it('maps every code in docs/errors.md to the status of its table', () => {
    const rows = readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8')
      .split('\n')
      .map((line) => /^\| `([A-Z_]+)` \| (\d{3}) \|/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null);
    assert.ok(rows.length >= 20, `rows: ${rows.length}`);
    for (const [, code, status] of rows) assert.equal(httpStatusOf(code as ErrorCode), Number(status), code);
  });

  it('turns a CairnError into a problem with code and hint', () => {
    const problem = problemFromError(new CairnError('COLLECTION_EXISTS', 'Collection "kb" already exists.', { hint: 'Pick another name.' }), '/v1/collections');
    assert.deepEqual(problem, {
      type: 'urn:cairn:error:COLLECTION_EXISTS',
      title: 'Collection exists',
      status: 409,
      detail: 'Collection "kb" already exists.',
      code: 'COLLECTION_EXISTS',
      hint: 'Pick another name.',
      instance: '/v1/collections',
    });
  });

  it('keeps client errors 4xx and hides nothing else as one', () => {
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    assert.equal(problemFromError(tooLarge).status, 413);
    assert.equal(problemFromError(tooLarge).code, 'INPUT_INVALID');
    const bug = problemFromError(new TypeError('x is undefined'));
    assert.equal(bug.status, 500);
    assert.equal(bug.code, 'INTERNAL');
    assert.equal(problemFromError(Object.assign(new Error('gone'), { name: 'AbortError' })).status, 499);
  });
});
