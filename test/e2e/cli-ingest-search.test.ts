import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyticsReport } from '../../src/app/analytics/analytics-report.js';
import { openCairn } from '../../src/app/open-cairn.js';
import { loadConfig } from '../../src/config/load-config.js';
import { SHARED_MISSING, sharedPath } from '../../src/testing/shared-data.js';
import { runCli } from './run-cli.js';

const files = sharedPath('data', 'files');
const staticModel = sharedPath('models', 'cairn', 'static-minilm-vocab-256');

describe('cairn CLI end to end (real binary, real fixtures)', { skip: !files || !staticModel ? SHARED_MISSING : false }, () => {
  let home: string;
  let env: Record<string, string>;

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'cairn-e2e-'));
    env = { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${staticModel}`, CAIRN_OFFLINE: '1' };
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('ingest ../shared/data/files: readable files in, every tricky file reported with its reason', async () => {
    const result = await runCli(['ingest', files!, '--collection', 'fixtures', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.ok(summary.filesNew >= 60, `ingested ${summary.filesNew}`);
    const reasons = new Map<string, string>(summary.skipped.map((s: { relativePath: string; code: string }) => [s.relativePath.split('/').pop(), s.code]));
    assert.equal(reasons.get('pypdf__crazyones-encrypted-256.pdf'), 'PARSE_ENCRYPTED');
    assert.equal(reasons.get('pdfplumber__password-example.pdf'), 'PARSE_ENCRYPTED');
    assert.equal(reasons.get('docling__ocr_test.pdf'), 'PARSE_NO_TEXT');
    assert.equal(reasons.get('unstructured__loremipsum-flat.pdf'), 'PARSE_NO_TEXT');
    assert.equal(reasons.get('pdfplumber__empty.pdf'), 'PARSE_EMPTY');
    assert.equal(reasons.get('unstructured__empty.txt'), 'PARSE_EMPTY');
    assert.equal(reasons.get('unstructured__fake-text-all-whitespace.txt'), 'PARSE_EMPTY');
    assert.equal(reasons.get('mammoth__empty.docx'), 'PARSE_EMPTY');
    // Its XML parts are well-formed where it matters and mammoth recovers the text: ingested, not lost.
    assert.equal(reasons.has('node-word-extractor__bad-xml.docx'), false);
    assert.ok(['PARSE_CORRUPT', 'PARSE_UNSUPPORTED'].includes(reasons.get('node-word-extractor__badfile-01-bad-header.doc') ?? ''));
    // Owner-password and permission-only PDFs open without a password and must be ingested.
    assert.equal(reasons.has('pypdf__r4-owner-password.pdf'), false);
    assert.equal(reasons.has('unstructured__copy-protected.pdf'), false);
    assert.ok(summary.chunksEmbedded > 0, 'vectors computed with the static model');
  });

  test('a second run skips every unchanged file', async () => {
    const result = await runCli(['ingest', files!, '--collection', 'fixtures', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.filesNew, 0);
    assert.equal(summary.filesUpdated, 0);
    assert.equal(summary.chunksWritten, 0);
    assert.ok(summary.filesUnchanged >= 60);
  });

  test('search --json returns results with source_uri, title, text and score; filters apply', async () => {
    for (const mode of ['lexical', 'dense', 'hybrid']) {
      const result = await runCli(['search', 'Stanley Cup', '--collection', 'fixtures', '--mode', mode, '--json'], env);
      assert.equal(result.code, 0, result.stderr);
      const body = JSON.parse(result.stdout);
      assert.ok(Array.isArray(body.results) && body.results.length > 0, `${mode}: no results`);
      for (const item of body.results) {
        assert.equal(typeof item.source_uri, 'string');
        assert.equal(typeof item.title, 'string');
        assert.equal(typeof item.text, 'string');
        assert.equal(typeof item.score, 'number');
      }
      if (mode === 'lexical') assert.match(body.results[0].source_uri, /stanley-cups/);
    }
    const filtered = await runCli(['search', 'table', '--collection', 'fixtures', '--type', 'pdf', '--json'], env);
    const body = JSON.parse(filtered.stdout);
    assert.ok(body.results.length > 0);
    for (const item of body.results) assert.equal(item.format, 'pdf');
    const paged = body.results.find((r: { page_start?: number }) => r.page_start !== undefined);
    assert.ok(paged, 'PDF results carry page numbers');
  });

  test('search returns k distinct documents with their best passages; --chunks returns raw chunks', async () => {
    type Result = { document_id: number; chunk_id: number; score: number; passages?: { chunk_id: number; score: number; heading_path: string[] }[] };
    const raw = await runCli(['search', 'human rights freedom', '--collection', 'fixtures', '--mode', 'lexical', '-k', '20', '--chunks', '--json'], env);
    assert.equal(raw.code, 0, raw.stderr);
    const chunks = JSON.parse(raw.stdout) as { group: string; results: Result[] };
    assert.equal(chunks.group, 'chunks');
    assert.equal(chunks.results.length, 20);
    const documentsInChunks = new Set(chunks.results.map((r) => r.document_id)).size;
    assert.ok(documentsInChunks < 20, 'several of the top chunks come from one document');
    assert.ok(chunks.results.every((r) => r.passages === undefined));

    const grouped = await runCli(['search', 'human rights freedom', '--collection', 'fixtures', '--mode', 'lexical', '-k', '10', '--json'], env);
    assert.equal(grouped.code, 0, grouped.stderr);
    const body = JSON.parse(grouped.stdout) as { group: string; results: Result[] };
    assert.equal(body.group, 'documents');
    assert.equal(body.results.length, 10);
    assert.equal(new Set(body.results.map((r) => r.document_id)).size, 10, '10 distinct documents');
    assert.equal(body.results[0]?.document_id, chunks.results[0]?.document_id, 'the best chunk ranks its document first');
    for (const result of body.results) {
      assert.ok(result.passages && result.passages.length >= 1 && result.passages.length <= 3);
      assert.equal(result.passages[0]?.chunk_id, result.chunk_id);
      assert.equal(result.score, result.passages[0]?.score, 'a document scores as its best passage');
    }
    const text = await runCli(['search', 'human rights freedom', '--collection', 'fixtures', '--mode', 'lexical', '-k', '3', '--passages', '2'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /3 documents · lexical/);
    assert.match(text.stdout, /^ {3}· /m, 'passages listed under each document');
  });

  test('each one-shot search is in the search analytics (surface cli) once the process has exited', async () => {
    const app = await openCairn(loadConfig({ cwd: home, env }));
    try {
      const report = await analyticsReport(app, { days: 1, collection: 'fixtures' });
      const stanley = report.topQueries.find((q) => q.query === 'stanley cup');
      assert.ok(stanley && stanley.count >= 3, JSON.stringify(report.topQueries));
      assert.deepEqual(report.surfaces.map((s) => s.surface), ['cli']);
      assert.deepEqual(report.keys.map((k) => k.keyId), [null]);
    } finally {
      await app.close();
    }
  });

  test('collections, docs list/show/rm', async () => {
    const list = JSON.parse((await runCli(['collections', '--json'], env)).stdout);
    const fixtures = list.collections.find((c: { name: string }) => c.name === 'fixtures');
    assert.ok(fixtures && fixtures.documentCount >= 60 && fixtures.dimensions === 256);
    const docs = JSON.parse((await runCli(['docs', 'list', '--collection', 'fixtures', '--filter', 'stanley-cups.csv', '--json'], env)).stdout);
    assert.equal(docs.items.length, 1);
    const shown = JSON.parse((await runCli(['docs', 'show', String(docs.items[0].id), '--collection', 'fixtures', '--json'], env)).stdout);
    assert.ok(shown.chunks.length >= 1);
    const removed = await runCli(['docs', 'rm', String(docs.items[0].id), '--collection', 'fixtures'], env);
    assert.equal(removed.code, 0, removed.stderr);
    const after = JSON.parse((await runCli(['search', 'Stanley Cup', '--collection', 'fixtures', '--mode', 'lexical', '--json'], env)).stdout);
    assert.ok(after.results.every((r: { source_uri: string }) => !r.source_uri.endsWith('unstructured__stanley-cups.csv')));
  });

  test('another embedder on the collection is refused with the reembed command named', async () => {
    const result = await runCli(['ingest', files!, '--collection', 'fixtures'], { ...env, CAIRN_EMBEDDER: 'none' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /EMBEDDER_MISMATCH/);
    assert.match(result.stderr, /cairn reembed/);
  });

  test('an unavailable model is said once and ingest goes on lexical-only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-notes-'));
    writeFileSync(join(dir, 'note.md'), '# Signing keys\n\nRotate the signing key every 90 days with `cairn keys rotate`.\n');
    const result = await runCli(['ingest', dir, '--collection', 'offline'], { ...env, CAIRN_EMBEDDER: 'onnx:Xenova/all-MiniLM-L6-v2', CAIRN_MODELS_DIR: join(dir, 'no-models') });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.match(/Working lexical-only/g)?.length, 1, result.stderr);
    const found = JSON.parse((await runCli(['search', 'rotate signing key', '--collection', 'offline', '--json'], { ...env, CAIRN_EMBEDDER: '' })).stdout);
    assert.match(found.results[0].text, /Rotate the signing key/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('git repository by local path records the commit; --prune removes deleted files', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'cairn-repo-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
    git('init', '-q');
    mkdirSync(join(repo, 'src'));
    writeFileSync(join(repo, 'src', 'rotate.ts'), 'export function rotateSigningKey(days: number): string {\n  return `rotated after ${days} days`;\n}\n');
    writeFileSync(join(repo, 'README.md'), '# Demo\n\nKeys rotate automatically.\n');
    git('add', '.');
    git('commit', '-qm', 'init');
    const commit = git('rev-parse', 'HEAD');
    const first = JSON.parse((await runCli(['ingest', repo, '--collection', 'code', '--json'], env)).stdout);
    assert.equal(first.filesNew, 2);
    const hit = JSON.parse((await runCli(['search', 'rotateSigningKey', '--collection', 'code', '--mode', 'lexical', '--json'], env)).stdout);
    assert.equal(hit.results[0].git_commit, commit);
    assert.match(hit.results[0].source_uri, /^git\+file:.*#src\/rotate\.ts$/);
    rmSync(join(repo, 'README.md'));
    const second = JSON.parse((await runCli(['ingest', repo, '--collection', 'code', '--prune', '--json'], env)).stdout);
    assert.equal(second.filesPruned, 1);
    rmSync(repo, { recursive: true, force: true });
  });

  test('files the walk passes over are reported with their code and reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-skip-'));
    writeFileSync(join(dir, 'notes.md'), '# Notes\n\nSomething to find.\n');
    writeFileSync(join(dir, 'data.xyz'), 'not a format Cairn reads');
    const result = await runCli(['ingest', dir, '--collection', 'skips', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.filesNew, 1);
    const skipped = summary.skipped.find((s: { relativePath: string }) => s.relativePath.endsWith('data.xyz'));
    assert.equal(skipped?.code, 'PARSE_UNSUPPORTED');
    assert.match(skipped.reason, /\.xyz/);
    rmSync(dir, { recursive: true, force: true });
  });

  test('bad input exits non-zero with one line and a hint', async () => {
    const missing = await runCli(['search', 'x', '--collection', 'nope'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: Collection "nope" does not exist/m);
    assert.match(missing.stderr, /^hint: /m);
    const noSource = await runCli(['ingest', '/definitely/not/here', '--collection', 'x'], env);
    assert.notEqual(noSource.code, 0);
    assert.match(noSource.stderr, /SOURCE_NOT_FOUND/);
  });
});

describe('cairn ingest and symbolic links', () => {
  test('a link to a file outside the folder is refused and reported; --follow-symlinks ingests its target', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-e2e-links-'));
    try {
      const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1' };
      const folder = join(home, 'notes');
      mkdirSync(join(folder, 'sub'), { recursive: true });
      writeFileSync(join(folder, 'inside.md'), '# Inside\n\nThe harbour opens at dawn.\n');
      writeFileSync(join(home, 'secret.md'), '# Secret\n\nThe vault code is quartzfeather.\n');
      symlinkSync(join(home, 'secret.md'), join(folder, 'sub', 'escape.md'));
      symlinkSync(join(folder, 'inside.md'), join(folder, 'alias.md'));

      const refused = await runCli(['ingest', folder, '--collection', 'links', '--json'], env);
      assert.equal(refused.code, 0, refused.stderr);
      const summary = JSON.parse(refused.stdout);
      assert.equal(summary.filesNew, 2, 'inside.md and the link that stays inside');
      const escaped = summary.skipped.find((s: { relativePath: string }) => s.relativePath.endsWith('sub/escape.md'));
      assert.equal(escaped?.code, 'SOURCE_UNREADABLE');
      assert.match(escaped.reason, /symbolic link that leads out of the source/);
      const none = await runCli(['search', 'quartzfeather', '--collection', 'links', '--mode', 'lexical', '--json'], env);
      assert.deepEqual(JSON.parse(none.stdout).results, []);

      const text = await runCli(['ingest', folder, '--collection', 'links'], env);
      assert.match(text.stdout, /sub\/escape\.md: a symbolic link that leads out of the source is not followed \[SOURCE_UNREADABLE\]/);
      assert.match(text.stdout, /--follow-symlinks/);

      const followed = await runCli(['ingest', folder, '--collection', 'links', '--follow-symlinks', '--json'], env);
      assert.equal(followed.code, 0, followed.stderr);
      assert.equal(JSON.parse(followed.stdout).skipped.length, 0);
      const found = await runCli(['search', 'quartzfeather', '--collection', 'links', '--mode', 'lexical', '--json'], env);
      assert.equal(JSON.parse(found.stdout).results.length, 1);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
