import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCairn } from '../../testing/run-cairn.js';

describe('cairn collections delete asks first', () => {
  let home: string;
  const names = async (): Promise<string[]> => JSON.parse((await runCairn(home, ['--json', 'collections'])).stdout).collections.map((c: { name: string }) => c.name);

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'cairn-collections-cli-'));
    writeFileSync(join(home, 'ports.md'), '# Ports\n\nOllama listens on port 11434 by default.\n');
    for (const name of ['handbook', 'fastapi-docs']) {
      const ingested = await runCairn(home, ['ingest', join(home, 'ports.md'), '--collection', name]);
      assert.equal(ingested.code, 0, ingested.stderr);
    }
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('off a terminal it refuses without --yes (exit 2) and deletes nothing', async () => {
    const refused = await runCairn(home, ['collections', 'delete', 'handbook']);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /without confirmation: standard input is not a terminal/);
    assert.match(refused.stderr, /--yes/);
    assert.deepEqual((await names()).sort(), ['fastapi-docs', 'handbook']);
  });

  test('in a terminal it shows what would go and deletes only on "y"', async () => {
    const declined = await runCairn(home, ['collections', 'delete', 'handbook'], { input: 'n\n', tty: true });
    assert.equal(declined.code, 1);
    assert.match(declined.stderr, /Delete collection "handbook" \(1 documents, \d+ chunks\)\? This cannot be undone\. \[y\/N\]/);
    assert.match(declined.stderr, /was not deleted/);
    assert.ok((await names()).includes('handbook'));

    const confirmed = await runCairn(home, ['collections', 'delete', 'handbook'], { input: 'y\n', tty: true });
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /Deleted collection "handbook"/);
    assert.deepEqual(await names(), ['fastapi-docs']);
  });

  test('--yes deletes without asking; a misspelled name lists what exists and suggests the closest', async () => {
    const missing = await runCairn(home, ['collections', 'delete', 'fastapi-doc', '--yes']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Collection "fastapi-doc" does not exist\. Did you mean "fastapi-docs"\? \[COLLECTION_NOT_FOUND\]/);
    assert.match(missing.stderr, /hint: Existing collections: fastapi-docs\./);

    const deleted = await runCairn(home, ['collections', 'delete', 'fastapi-docs', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await names(), []);
  });
});
