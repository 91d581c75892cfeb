import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CairnError } from '../../core/cairn-error.js';
import { hasCloneScheme, isScpLike, parseCloneUrl, redact } from './clone-url.js';

describe('parseCloneUrl', () => {
  it('strips http(s) credentials from the repository but keeps them for git', () => {
    const parsed = parseCloneUrl('https://user:s3cret@git.example.com/team/repo.git');
    assert.equal(parsed.cloneUrl, 'https://user:s3cret@git.example.com/team/repo.git');
    assert.equal(parsed.repository, 'https://git.example.com/team/repo.git');
    assert.ok(!parsed.cacheKey.includes('s3cret'));
    assert.equal(parseCloneUrl('https://x-token@git.example.com/team/repo.git').repository, 'https://git.example.com/team/repo.git');
  });

  it('takes the ref from the fragment and keys the cache by repository and ref', () => {
    const main = parseCloneUrl('https://github.com/org/repo.git');
    const tagged = parseCloneUrl('https://github.com/org/repo.git#v1.2.0');
    assert.equal(tagged.ref, 'v1.2.0');
    assert.equal(tagged.repository, main.repository);
    assert.equal(main.ref, undefined);
    assert.notEqual(tagged.cacheKey, main.cacheKey);
    assert.match(main.cacheKey, /^repo-[0-9a-f]{16}$/);
    assert.equal(parseCloneUrl('https://token@github.com/org/repo.git').cacheKey, main.cacheKey);
  });

  it('normalises forge web URLs to one canonical clone URL', () => {
    const canonical = 'https://github.com/org/repo.git';
    assert.equal(parseCloneUrl('https://github.com/org/repo').repository, canonical);
    assert.equal(parseCloneUrl('https://github.com/org/repo/').repository, canonical);
    const tree = parseCloneUrl('https://github.com/org/repo/tree/dev/docs');
    assert.equal(tree.repository, canonical);
    assert.equal(tree.ref, 'dev');
    assert.equal(parseCloneUrl('https://gitlab.com/group/sub/repo').repository, 'https://gitlab.com/group/sub/repo.git');
    assert.equal(parseCloneUrl('https://gitlab.com/group/repo/-/tree/main').ref, 'main');
  });

  it('keeps ssh users, drops ssh passwords, accepts scp-like and file URLs', () => {
    assert.equal(parseCloneUrl('git@github.com:org/repo.git#main').repository, 'git@github.com:org/repo.git');
    assert.equal(parseCloneUrl('git@github.com:org/repo.git#main').ref, 'main');
    assert.equal(parseCloneUrl('ssh://git:pw@host.example/org/repo.git').repository, 'ssh://git@host.example/org/repo.git');
    assert.equal(parseCloneUrl('file:///srv/repos/notes/').repository, 'file:///srv/repos/notes');
  });

  it('refuses web pages that are not repositories', () => {
    assert.throws(() => parseCloneUrl('https://example.com/blog/post'), (error: unknown) => error instanceof CairnError && error.code === 'INPUT_INVALID' && error.hint !== undefined);
    assert.throws(() => parseCloneUrl('https://github.com/org'), (error: unknown) => error instanceof CairnError && error.code === 'INPUT_INVALID');
  });

  it('recognises schemes and scp-like remotes, and redacts credentials in messages', () => {
    assert.ok(hasCloneScheme('https://a/b.git') && hasCloneScheme('file:///x') && hasCloneScheme('ssh://h/r'));
    assert.ok(!hasCloneScheme('/home/me/notes') && !hasCloneScheme('notes'));
    assert.ok(isScpLike('git@github.com:org/repo.git'));
    assert.ok(!isScpLike('C:\\notes') && !isScpLike('notes/a:b'));
    assert.equal(redact('https://u:p@host/x'), 'https://***@host/x');
  });
});
