import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { CairnError } from '../../core/cairn-error.js';
import type { SourceItem } from '../../core/source-item.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { resolveSource, type ResolvedSource, type SourceOptions } from './resolve-sources.js';

const isSupported = (extension: string) => extension === 'md' || extension === 'txt';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Cairn Test', '-c', 'user.email=test@cairn.invalid', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

async function put(root: string, relativePath: string, content: string): Promise<void> {
  const path = join(root, relativePath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

async function collect(source: ResolvedSource): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source.items) items.push(item);
  return items;
}

function isCode(code: string) {
  return (error: unknown) => error instanceof CairnError && error.code === code && (error.hint ?? '').length > 0;
}

describe('resolveSource', () => {
  let base: string;
  let options: SourceOptions;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'cairn-source-'));
    options = { cacheDir: join(base, 'cache', 'git'), isSupported, maxFileBytes: 10_000 };
  });

  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('fails with SOURCE_NOT_FOUND for a path that does not exist', async () => {
    await assert.rejects(resolveSource({ input: join(base, 'missing') }, options), isCode('SOURCE_NOT_FOUND'));
    await assert.rejects(resolveSource({ input: '' }, options), isCode('INPUT_INVALID'));
  });

  it('resolves one file with a properly encoded file:// URI', async () => {
    const path = join(base, 'single', 'a note #1.md');
    await put(base, 'single/a note #1.md', '# Note\n');
    const source = await resolveSource({ input: path }, options);
    assert.equal(source.kind, 'file');
    assert.equal(source.root, path);
    const [item, ...rest] = await collect(source);
    assert.equal(rest.length, 0);
    assert.equal(item?.uri, `file://${base.split('/').map(encodeURIComponent).join('/')}/single/a%20note%20%231.md`);
    assert.equal(item?.uri, pathToFileURL(path).href);
    assert.equal(item?.relativePath, 'a note #1.md');
    assert.equal(item?.sourceRoot, path);
  });

  it('resolves a directory, relative to cwd, with stable file:// URIs and sourceRoot = root', async () => {
    await put(base, 'notes/one.md', 'one\n');
    await put(base, 'notes/sub/two.txt', 'two\n');
    await put(base, 'notes/huge.md', 'x'.repeat(20_000));
    const first = await resolveSource({ input: 'notes' }, { ...options, cwd: base });
    assert.equal(first.kind, 'directory');
    assert.equal(first.root, join(base, 'notes'));
    const items = await collect(first);
    assert.deepEqual(items.map((item) => item.relativePath), ['one.md', 'sub/two.txt']);
    assert.deepEqual(items.map((item) => item.uri), [pathToFileURL(join(base, 'notes/one.md')).href, pathToFileURL(join(base, 'notes/sub/two.txt')).href]);
    assert.ok(items.every((item) => item.sourceRoot === first.root && item.git === undefined));
    assert.deepEqual(first.skipped.map((skip) => [skip.code, skip.path]), [['PARSE_TOO_LARGE', join(base, 'notes/huge.md')]]);
    const again = await resolveSource({ input: join(base, 'notes') }, options);
    assert.deepEqual((await collect(again)).map((item) => item.uri), items.map((item) => item.uri));
    await collect(first);
    assert.equal(first.skipped.length, 1, 'iterating again refills skipped instead of appending');
  });

  describe('git', () => {
    let repo: string;
    let firstCommit: string;

    before(async () => {
      repo = join(base, 'repo');
      await put(repo, 'README.md', '# Repo\n');
      await put(repo, 'docs/guide.md', 'guide\n');
      await put(repo, 'docs/odd name#.md', 'odd\n');
      await put(repo, '.gitignore', 'generated/\n');
      await put(repo, 'generated/out.md', 'not committed, ignored\n');
      git(repo, 'init', '--quiet');
      git(repo, 'add', '.');
      git(repo, 'commit', '--quiet', '-m', 'first');
      git(repo, 'branch', 'feature');
      firstCommit = git(repo, 'rev-parse', 'HEAD');
      await put(repo, '.git/info/exclude', 'private.md\n');
      await put(repo, 'private.md', 'excluded through .git/info/exclude\n');
    });

    it('walks a local work tree and records HEAD on every item', async () => {
      const source = await resolveSource({ input: repo }, options);
      assert.equal(source.kind, 'git');
      const repository = pathToFileURL(repo).href;
      assert.deepEqual(source.git, { repository, commit: firstCommit });
      const items = await collect(source);
      assert.deepEqual(items.map((item) => item.relativePath), ['README.md', 'docs/guide.md', 'docs/odd name#.md']);
      assert.equal(items[0]?.uri, `git+${repository}#README.md`);
      assert.equal(items[2]?.uri, `git+${repository}#docs/odd%20name%23.md`);
      assert.ok(items.every((item) => item.git?.commit === firstCommit && item.git.repository === repository));
      assert.equal(items[1]?.absolutePath, join(repo, 'docs/guide.md'));
    });

    it('clones a file:// URL shallowly, then reuses the clone and fetches the new commit', async () => {
      const url = pathToFileURL(repo).href;
      const first = await resolveSource({ input: url }, options);
      assert.equal(first.kind, 'git');
      assert.equal(first.root, url);
      assert.deepEqual(first.git, { repository: url, commit: firstCommit });
      const firstItems = await collect(first);
      assert.deepEqual(firstItems.map((item) => item.relativePath), ['README.md', 'docs/guide.md', 'docs/odd name#.md']);
      assert.equal(firstItems[0]?.uri, `git+${url}#README.md`);
      assert.ok(firstItems.every((item) => item.sourceRoot === url && item.absolutePath.startsWith(options.cacheDir)));
      const cloned = await readdir(options.cacheDir);
      assert.equal(cloned.length, 1);
      const checkout = join(options.cacheDir, cloned[0]!);
      assert.equal(git(checkout, 'rev-parse', '--is-shallow-repository'), 'true');
      // A marker inside .git survives a fetch into the same folder but not a fresh clone.
      await writeFile(join(checkout, '.git', 'cairn-marker'), 'reused');

      await put(repo, 'docs/new.md', 'added later\n');
      git(repo, 'add', 'docs/new.md');
      git(repo, 'commit', '--quiet', '-m', 'second');
      const secondCommit = git(repo, 'rev-parse', 'HEAD');
      await writeFile(join(checkout, 'stray.md'), 'left behind in the cache, must be cleaned\n');

      const second = await resolveSource({ input: url }, options);
      assert.equal(second.git?.commit, secondCommit);
      assert.notEqual(secondCommit, firstCommit);
      const secondItems = await collect(second);
      assert.deepEqual(secondItems.map((item) => item.relativePath), ['README.md', 'docs/guide.md', 'docs/new.md', 'docs/odd name#.md']);
      assert.equal(secondItems[0]?.uri, firstItems[0]?.uri);
      assert.ok(secondItems.every((item) => item.git?.commit === secondCommit));
      assert.deepEqual(await readdir(options.cacheDir), cloned);
      assert.deepEqual(await readdir(join(checkout, '.git')).then((names) => names.includes('cairn-marker')), true);
    });

    it('checks out the #ref branch into its own cache folder', async () => {
      const url = `${pathToFileURL(repo).href}#feature`;
      const source = await resolveSource({ input: url }, options);
      assert.equal(source.git?.commit, firstCommit);
      assert.equal(source.root, pathToFileURL(repo).href);
      const items = await collect(source);
      assert.ok(!items.some((item) => item.relativePath === 'docs/new.md'));
      assert.equal((await readdir(options.cacheDir)).length, 2);
    });

    it('fails with GIT_FAILED and a hint for a repository that does not exist, leaving no partial clone', async () => {
      const before = await readdir(options.cacheDir);
      await assert.rejects(resolveSource({ input: pathToFileURL(join(base, 'no-such-repo')).href }, options), isCode('GIT_FAILED'));
      await assert.rejects(resolveSource({ input: `${pathToFileURL(repo).href}#no-such-branch` }, options), isCode('GIT_FAILED'));
      assert.deepEqual(await readdir(options.cacheDir), before);
    });

    it('treats a work tree without any commit as a plain directory', async () => {
      const fresh = join(base, 'fresh');
      await put(fresh, 'draft.md', 'not committed yet\n');
      git(fresh, 'init', '--quiet');
      const source = await resolveSource({ input: fresh }, options);
      assert.equal(source.kind, 'directory');
      assert.equal(source.git, undefined);
      assert.deepEqual((await collect(source)).map((item) => item.uri), [pathToFileURL(join(fresh, 'draft.md')).href]);
    });

    it('fails with GIT_FAILED when the git binary is missing', async () => {
      await assert.rejects(resolveSource({ input: repo }, { ...options, git: join(base, 'no-git-here') }), isCode('GIT_FAILED'));
    });
  });

  it('hands on or reports every fixture in shared files/tricky (none vanish silently)', async (t) => {
    const tricky = sharedPath('data', 'files', 'tricky');
    if (tricky === null) return t.skip(SHARED_MISSING);
    const registry = new Set(['pdf', 'docx', 'txt', 'csv', 'html', 'md']);
    const source = await resolveSource({ input: tricky }, { ...options, isSupported: (extension) => registry.has(extension), maxFileBytes: 64 * 1024 * 1024 });
    const items = await collect(source);
    // Skipped paths are real paths: ../shared may be reached through a symlink.
    const root = await realpath(tricky);
    const seen = [...items.map((item) => item.relativePath), ...source.skipped.map((skip) => relative(root, skip.path))].sort();
    assert.deepEqual(seen, (await readdir(tricky)).sort());
    assert.deepEqual(source.skipped.map((skip) => skip.code), ['PARSE_UNSUPPORTED']);
  });

  it('walks the shared docs corpus (every Markdown file, none skipped)', async (t) => {
    const corpus = sharedPath('data', 'docs-corpus');
    if (corpus === null) return t.skip(SHARED_MISSING);
    const started = performance.now();
    const source = await resolveSource({ input: corpus }, { ...options, maxFileBytes: 64 * 1024 * 1024, isSupported: (extension) => extension === 'md' || extension === 'mdx' });
    assert.equal(source.kind, 'directory');
    let count = 0;
    for await (const _item of source.items) count += 1;
    const millis = performance.now() - started;
    t.diagnostic(`walked ${count} files in ${millis.toFixed(0)} ms`);
    assert.equal(count, 13_806);
    assert.deepEqual(source.skipped, []);
  });
});
