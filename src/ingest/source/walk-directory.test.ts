import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CairnError } from '../../core/cairn-error.js';
import { walkDirectory, type WalkSkip } from './walk-directory.js';

const SUPPORTED = new Set(['md', 'log', 'txt', 'xyz', '']);
const isSupported = (extension: string, fileName: string) => !fileName.startsWith('.') && SUPPORTED.has(extension);

async function put(root: string, relativePath: string, content: string | Uint8Array): Promise<void> {
  const path = join(root, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function walk(root: string, extra: { maxFileBytes?: number; signal?: AbortSignal; ignoreCase?: boolean } = {}) {
  const skipped: WalkSkip[] = [];
  const files: string[] = [];
  for await (const file of walkDirectory(root, { isSupported, maxFileBytes: extra.maxFileBytes ?? 1000, onSkip: (skip) => skipped.push(skip), ...extra })) {
    files.push(file.relativePath);
  }
  return { files, skipped };
}

describe('walkDirectory', () => {
  let base: string;
  let root: string;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'cairn-walk-'));
    root = join(base, 'root');
    await put(base, 'outside.md', 'outside the root\n');
    await put(root, '.gitignore', '*.log\nbuild/\n/secret.md\n');
    await put(root, '.cairnignore', '# comment\ndrafts/\n');
    await put(root, '.editorconfig', 'root = true\n');
    await put(root, 'NOTES', 'plain notes without an extension\n');
    await put(root, 'a.md', '# A\n');
    await put(root, 'big.md', 'x'.repeat(2000));
    await put(root, 'blob.xyz', new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 2, 3, 0, 0, 9, 9]));
    await put(root, 'doc.rtf', '{\\rtf1 hello}');
    await put(root, 'image.png', 'not really a png');
    await put(root, 'secret.md', 'ignored by an anchored pattern\n');
    await put(root, 'top.log', 'ignored by *.log\n');
    await put(root, 'utf16.xyz', Buffer.from('hello world, no byte-order mark', 'utf16le'));
    await put(root, 'build/out.md', 'ignored directory\n');
    await put(root, 'drafts/d.md', 'ignored by .cairnignore\n');
    await put(root, 'node_modules/pkg/readme.md', 'dependency\n');
    await put(root, '.git/notes.md', 'vcs metadata\n');
    await put(root, 'env/pyvenv.cfg', 'home = /usr/bin\n');
    await put(root, 'env/lib.md', 'inside a virtual environment\n');
    await put(root, 'sub/.gitignore', '!keep.log\nlocal.md\n');
    await put(root, 'sub/.cairnignore', '*.tmp.md\n');
    await put(root, 'sub/keep.log', 're-included by a nested negation\n');
    await put(root, 'sub/drop.log', 'still ignored by the root rule\n');
    await put(root, 'sub/local.md', 'ignored by the nested .gitignore\n');
    await put(root, 'sub/x.tmp.md', 'ignored by the nested .cairnignore\n');
    await put(root, 'sub/z.md', 'kept\n');
    await put(root, 'sub/secret.md', 'kept: the root pattern is anchored to the root\n');
    await put(root, 'sub/deep/b.md', 'kept\n');
    await put(root, 'sub/deep/local.md', 'ignored: a pattern without a slash matches at any depth below its .gitignore\n');
    await symlink('..', join(root, 'sub', 'loop'));
    await symlink(join(base, 'outside.md'), join(root, 'sub', 'outside.md'));
    await symlink(join(root, 'nowhere.md'), join(root, 'sub', 'broken.md'));
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('honours nested .gitignore/.cairnignore with negation, skips caches, binaries and symlinked directories', async () => {
    const { files } = await walk(root);
    assert.deepEqual(files, [
      'NOTES',
      'a.md',
      'utf16.xyz',
      'sub/keep.log',
      'sub/outside.md',
      'sub/secret.md',
      'sub/z.md',
      'sub/deep/b.md',
    ]);
  });

  it('reports too-large, unsupported and unreadable files, and nothing silently skipped', async () => {
    const { skipped } = await walk(root);
    const summary = skipped.map((skip) => `${skip.code} ${skip.relativePath}`).sort();
    assert.deepEqual(summary, ['PARSE_TOO_LARGE big.md', 'PARSE_UNSUPPORTED doc.rtf', 'SOURCE_UNREADABLE sub/broken.md']);
    const tooLarge = skipped.find((skip) => skip.code === 'PARSE_TOO_LARGE')!;
    assert.equal(tooLarge.absolutePath, join(root, 'big.md'));
    assert.match(tooLarge.reason, /2000 bytes/);
  });

  it('gives the same order on every run and fills in size and time', async () => {
    const first = await walk(root);
    const second = await walk(root);
    assert.deepEqual(first.files, second.files);
    for await (const file of walkDirectory(root, { isSupported, maxFileBytes: 1000, onSkip: () => {} })) {
      if (file.relativePath === 'a.md') {
        assert.equal(file.sizeBytes, 4);
        assert.equal(file.extension, 'md');
        assert.ok(file.modifiedMs > 0);
      }
    }
  });

  it('applies the root rules given by the caller (e.g. .git/info/exclude) below the root ignore files', async () => {
    const files: string[] = [];
    for await (const file of walkDirectory(root, { isSupported, maxFileBytes: 1000, onSkip: () => {}, rootRuleTexts: ['a.md\nsub/deep/\n'] })) {
      files.push(file.relativePath);
    }
    assert.ok(!files.includes('a.md'));
    assert.ok(!files.includes('sub/deep/b.md'));
    assert.ok(files.includes('sub/z.md'));
  });

  it('matches case-insensitively only when asked', async () => {
    const caseRoot = join(base, 'case');
    await put(caseRoot, '.gitignore', 'readme.md\n');
    await put(caseRoot, 'README.md', 'upper case\n');
    assert.deepEqual((await walk(caseRoot, { ignoreCase: false })).files, ['README.md']);
    assert.deepEqual((await walk(caseRoot, { ignoreCase: true })).files, []);
  });

  it('stops with ABORTED when the signal fires', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(walk(root, { signal: controller.signal }), (error: unknown) => error instanceof CairnError && error.code === 'ABORTED');
  });
});
