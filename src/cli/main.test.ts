import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCairn } from '../testing/run-cairn.js';

const home = mkdtempSync(join(tmpdir(), 'cairn-main-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('a bad option value is a usage error: exit 2, the option named, the command help pointed to', async () => {
  for (const args of [
    ['search', 'ports', '-k', 'abc'],
    ['search', 'ports', '-k', ''],
    ['ingest', home, '--chunk-size', '12.5'],
    ['search', 'ports', '--no-such-flag'],
  ]) {
    const result = await runCairn(home, args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^error: /m, args.join(' '));
    assert.match(result.stderr, new RegExp(`run \`cairn ${args[0]} --help\` for usage`), args.join(' '));
  }
  const k = await runCairn(home, ['search', 'ports', '-k', 'abc']);
  assert.match(k.stderr, /option '-k, --k <n>' argument 'abc' is invalid\. Not a whole number\./);
});

test('a first ingest that stores nothing leaves no collection behind; a later good one creates it', async () => {
  writeFileSync(join(home, 'empty.txt'), '   \n');
  const failed = await runCairn(home, ['--json', 'ingest', join(home, 'empty.txt'), '--collection', 'notes']);
  assert.equal(failed.code, 1, failed.stderr);
  const summary = JSON.parse(failed.stdout);
  assert.equal(summary.skipped[0].code, 'PARSE_EMPTY');
  assert.match(summary.notices.join('\n'), /Nothing was ingested, so collection "notes" was not kept\./);

  const missingSource = await runCairn(home, ['ingest', join(home, 'no-such-folder'), '--collection', 'notes']);
  assert.equal(missingSource.code, 2, missingSource.stderr);

  const listed = await runCairn(home, ['--json', 'collections']);
  assert.deepEqual(JSON.parse(listed.stdout).collections, []);

  writeFileSync(join(home, 'ports.md'), '# Ports\n\nOllama listens on port 11434.\n');
  const good = await runCairn(home, ['ingest', join(home, 'ports.md'), '--collection', 'notes']);
  assert.equal(good.code, 0, good.stderr);
  // An existing collection is kept even when a later run stores nothing.
  const nothing = await runCairn(home, ['--json', 'ingest', join(home, 'empty.txt'), '--collection', 'notes']);
  assert.equal(nothing.code, 1, nothing.stderr);
  assert.deepEqual(JSON.parse((await runCairn(home, ['--json', 'collections'])).stdout).collections.map((c: { name: string }) => c.name), ['notes']);
});

test('the progress line in a terminal shows done/total files', async () => {
  writeFileSync(join(home, 'models.md'), '# Models\n\nThe default embedder is a static model.\n');
  const result = await runCairn(home, ['ingest', join(home, 'models.md'), '--collection', 'progress'], { tty: true });
  assert.equal(result.code, 0, result.stderr);
  // The plan (counted before ingesting) is drawn at once; later updates are throttled.
  assert.match(result.stderr, /\[-+\] 0\/1 files/);
});
