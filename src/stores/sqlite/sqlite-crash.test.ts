import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { contractAnalyzer } from '../store-contract-fixtures.js';
import { openSqliteStore } from './open-sqlite-store.js';
import { ftsTableName } from './sqlite-schema.js';

const writer = new URL('./crash-writer.fixture.ts', import.meta.url).pathname;

/**
 * Runs the writer until it has written at least `documents` documents, then kills it with SIGKILL after
 * `delayMs`. The delay varies between rounds: killing right on the progress line lands at the same early
 * point of the next write every time, and would never hit a write in the middle.
 */
async function writeAndKill(path: string, seed: number, documents: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, path, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let written = 0;
  let stderr = '';
  let killing = false;
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (data: Buffer) => {
    const last = /written (\d+)\n$/.exec(data.toString());
    if (last !== null) written = Number(last[1]);
    if (written >= documents && !killing) {
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    }
  });
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the writer should be killed, not exit by itself: ${stderr}`);
  return written;
}

const directories: string[] = [];
after(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
});

test('a writer killed with SIGKILL mid-ingest never leaves a half-written document', { timeout: 120_000 }, async () => {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-crash-'));
  directories.push(directory);
  const path = join(directory, 'cairn.db');
  const rounds = [
    [200, 3],
    [350, 11],
    [260, 7],
    [300, 17],
    [240, 1],
  ] as const;
  for (const [round, [target, delayMs]] of rounds.entries()) {
    const written = await writeAndKill(path, round + 1, target, delayMs);
    assert.ok(written >= target);

    const store = await openSqliteStore({ path, lexicalAnalyzer: contractAnalyzer });
    const page = await store.chunks.listDocuments({ collection: 'crash', limit: 1000, offset: 0 });
    assert.ok(page.total > 0 && page.total <= 150);
    let chunkTotal = 0;
    for (const document of page.items) {
      const chunks = await store.chunks.getDocumentChunks(document.id);
      assert.equal(chunks.length, document.chunkCount, `${document.uri} has exactly chunk_count chunks`);
      assert.deepEqual(chunks.map((chunk) => chunk.ordinal), chunks.map((_, i) => i));
      const version = document.contentHash.slice(1);
      const marker = /^doc(\d+) ver(\d+) /;
      for (const chunk of chunks) {
        const match = marker.exec(chunk.text);
        assert.equal(match?.[1], document.relativePath.replace(/^d\/|\.txt$/g, ''));
        assert.equal(match?.[2], version, `${document.uri}: every chunk belongs to the stored version`);
      }
      const hits = await store.lexical.search({ collection: 'crash', terms: [`ver${version}`], k: 100 });
      assert.deepEqual(hits.map((hit) => hit.chunkId).sort((a, b) => a - b), chunks.map((chunk) => chunk.id), 'FTS rows match the chunks');
      chunkTotal += chunks.length;
    }
    const status = await store.vectors.open('crash', 16);
    assert.equal(status.count, chunkTotal, `vector index (${status.source}) holds exactly the stored vectors`);
    const probe = await store.chunks.getVectors([(await store.lexical.search({ collection: 'crash', terms: ['filler'], k: 1 }))[0]!.chunkId]);
    const [probeId, probeVector] = [...probe][0]!;
    const nearest = await store.vectors.search({ collection: 'crash', vector: probeVector, k: 50 });
    assert.ok(nearest.some((hit) => hit.chunkId === probeId));
    assert.equal((await store.chunks.getChunks(nearest.map((hit) => hit.chunkId))).length, nearest.length, 'no hit points at a vanished chunk');
    await store.close();

    const db = new Database(path, { readonly: true });
    const collectionId = db.prepare(`SELECT id FROM collections WHERE name = 'crash'`).pluck().get() as number;
    assert.equal(db.prepare(`SELECT count(*) FROM ${ftsTableName(collectionId)}`).pluck().get(), chunkTotal, 'no orphan FTS rows');
    assert.equal(db.prepare('SELECT count(*) FROM chunks').pluck().get(), chunkTotal, 'no orphan chunks');
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  }
});
