import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CairnError } from '../../core/cairn-error.js';
import { sanitizeUploadName } from './upload-receiver.js';

describe('sanitizeUploadName', () => {
  it('keeps folders and drops leading slashes, drive letters and "." segments', () => {
    assert.equal(sanitizeUploadName('handbook.pdf'), 'handbook.pdf');
    assert.equal(sanitizeUploadName('docs/guides/a.md'), 'docs/guides/a.md');
    assert.equal(sanitizeUploadName('docs\\guides\\a.md'), 'docs/guides/a.md');
    assert.equal(sanitizeUploadName('/etc/passwd'), 'etc/passwd');
    assert.equal(sanitizeUploadName('C:\\Users\\me\\a.md'), 'Users/me/a.md');
    assert.equal(sanitizeUploadName('./docs//./a.md'), 'docs/a.md');
  });

  it('refuses "..", control characters, empty and over-long names', () => {
    for (const name of ['../a.md', 'docs/../../a.md', '..\\a.md', 'a\u0000.md', 'a\n.md', '', '/', `${'x'.repeat(256)}.md`, `${'d/'.repeat(600)}a.md`]) {
      assert.throws(() => sanitizeUploadName(name), (error: unknown) => error instanceof CairnError && error.code === 'INPUT_INVALID', JSON.stringify(name));
    }
  });
});
