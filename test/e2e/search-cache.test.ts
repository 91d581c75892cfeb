import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CairnApp } from '../../src/app/cairn-app.js';
import { ingest } from '../../src/app/ingest.js';
import { openCairn } from '../../src/app/open-cairn.js';
import { search } from '../../src/app/search.js';
import { loadConfig } from '../../src/config/load-config.js';
import { runCli } from './run-cli.js';

const ENV = { CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' };
let home: string;
let app: CairnApp;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'cairn-e2e-cache-'));
  app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, ...ENV } }));
});
after(async () => {
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

function guide(topic: string, seed: number): string {
  const words = Array.from({ length: 200 }, (_, i) => `${topic}${(i * 7919 + seed * 104729) % 5003}`);
  return `# The ${topic} guide\n\nHow to rotate the ${topic} key safely. ${words.join(' ')}\n`;
}

test('another process ingesting into the same SQLite file invalidates this process\'s cached results; cairn docs duplicates lists the copy', async () => {
  const first = join(home, 'first');
  const second = join(home, 'second');
  mkdirSync(first);
  mkdirSync(second);
  writeFileSync(join(first, 'signing.md'), guide('signing', 1));
  writeFileSync(join(second, 'signing-copy.md'), guide('signing', 1).replace('safely', 'safely, as before'));
  await ingest(app, { collection: 'kb', sources: [first] });
  const query = { collection: 'kb', query: 'rotate signing key', mode: 'lexical' as const };
  await search(app, query);
  assert.equal((await search(app, query)).cached, true);

  const other = await runCli(['ingest', second, '--collection', 'kb', '--json'], { CAIRN_HOME: home, ...ENV });
  assert.equal(other.code, 0, other.stderr);
  const fresh = await search(app, { ...query, collapseDuplicates: false });
  assert.equal(fresh.cached, undefined, 'the other process moved the write generation');
  assert.deepEqual([...new Set(fresh.results.map((r) => r.relativePath))].sort(), ['signing-copy.md', 'signing.md'], 'collapseDuplicates false lists each copy');
  const collapsed = await search(app, query);
  assert.equal(new Set(collapsed.results.map((r) => r.relativePath)).size, 1);
  assert.equal(collapsed.results[0]!.alsoIn?.length, 1);

  // The CLI's grouped results: by default one document with also_in, in JSON and in text; --no-collapse: each.
  const json = await runCli(['search', 'rotate signing key', '--collection', 'kb', '--mode', 'lexical', '--json'], { CAIRN_HOME: home, ...ENV });
  assert.equal(json.code, 0, json.stderr);
  const results = JSON.parse(json.stdout).results as { relative_path: string; also_in?: string[]; passages?: unknown[] }[];
  assert.equal(results.length, 1);
  assert.ok(results[0]!.passages !== undefined, 'documents with passages');
  assert.equal(results[0]!.also_in?.length, 1);
  const text = await runCli(['search', 'rotate signing key', '--collection', 'kb', '--mode', 'lexical'], { CAIRN_HOME: home, ...ENV });
  assert.match(text.stdout, /also in: signing(-copy)?\.md/);
  const every = await runCli(['search', 'rotate signing key', '--collection', 'kb', '--mode', 'lexical', '--no-collapse', '--json'], { CAIRN_HOME: home, ...ENV });
  assert.equal((JSON.parse(every.stdout).results as unknown[]).length, 2);

  const listed = await runCli(['docs', 'duplicates', '--collection', 'kb', '--json'], { CAIRN_HOME: home, ...ENV });
  assert.equal(listed.code, 0, listed.stderr);
  const clusters = JSON.parse(listed.stdout).clusters as { members: { relativePath: string }[] }[];
  assert.deepEqual(clusters.map((cluster) => cluster.members.map((member) => member.relativePath)), [['signing-copy.md', 'signing.md']]);
});
