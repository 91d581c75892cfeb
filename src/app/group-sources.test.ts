import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { groupSources, type SourceDocument } from './group-sources.js';

function file(root: string, relativePath: string, chunkCount = 2, format = 'markdown'): SourceDocument {
  return { uri: pathToFileURL(`${root}/${relativePath}`).href, relativePath, sourceRoot: root, chunkCount, format };
}

describe('groupSources', () => {
  it('groups one ingested corpus directory by project, with a pathPrefix per project', () => {
    const root = '/data/docs-corpus';
    const grouping = groupSources([
      file(root, 'eslint/docs/src/extend/custom-rules.md'),
      file(root, 'eslint/docs/src/use/index.md'),
      file(root, 'prometheus/docs/guides/go-application.md', 5),
    ]);
    assert.equal(grouping.base, root);
    assert.equal(grouping.depth, 1);
    assert.deepEqual(
      grouping.groups.map((g) => [g.name, g.documents, g.chunks, g.pathPrefix]),
      [
        ['eslint', 2, 4, 'eslint/'],
        ['prometheus', 1, 5, 'prometheus/'],
      ],
    );
  });

  it('groups crawled pages by site, then by path, with prefixes that select them', () => {
    const page = (url: string): SourceDocument => {
      const parsed = new URL(url);
      return { uri: url, relativePath: `${parsed.host}${parsed.pathname}`, sourceRoot: `${parsed.origin}/`, chunkCount: 1, format: 'html' };
    };
    const bySite = groupSources([page('https://docs.example.com/guide/intro'), page('https://docs.example.com/guide/setup'), page('https://api.example.org/v1/users')]);
    assert.deepEqual(bySite.groups.map((g) => [g.name, g.documents, g.pathPrefix]), [['docs.example.com', 2, 'docs.example.com/'], ['api.example.org', 1, 'api.example.org/']]);
    const oneSite = groupSources([page('https://docs.example.com/guide/intro'), page('https://docs.example.com/api/users')]);
    assert.deepEqual(oneSite.groups.map((g) => g.pathPrefix).sort(), ['docs.example.com/api/', 'docs.example.com/guide/']);
  });

  it('groups projects ingested one by one under their common directory; no prefix spans whole roots', () => {
    const grouping = groupSources([
      file('/data/docs-corpus/eslint', 'docs/src/extend/custom-rules.md'),
      file('/data/docs-corpus/prometheus', 'docs/guides/go-application.md'),
      file('/data/docs-corpus/prometheus', 'docs/introduction/overview.md'),
    ]);
    assert.equal(grouping.base, '/data/docs-corpus');
    assert.deepEqual(
      grouping.groups.map((g) => [g.name, g.documents, g.pathPrefix]),
      [
        ['prometheus', 2, null],
        ['eslint', 1, null],
      ],
    );
  });

  it('descends into a single project until it splits, and honours an explicit depth', () => {
    const root = '/data/docs-corpus/eslint';
    const documents = [file(root, 'docs/src/extend/custom-rules.md'), file(root, 'docs/src/use/index.md'), file(root, 'docs/src/use/configure.md')];
    const auto = groupSources(documents);
    assert.equal(auto.depth, 3);
    assert.deepEqual(
      auto.groups.map((g) => [g.name, g.documents, g.pathPrefix]),
      [
        ['docs/src/use', 2, 'docs/src/use/'],
        ['docs/src/extend', 1, 'docs/src/extend/'],
      ],
    );
    assert.deepEqual(
      groupSources(documents, 1).groups.map((g) => [g.name, g.documents]),
      [['docs', 3]],
    );
  });

  it('puts files at the top level in "." and git sources under their repository name', () => {
    const grouping = groupSources([
      file('/notes', 'todo.md'),
      file('/notes', 'infra/db.md'),
      { uri: 'git+https://github.com/acme/widgets.git#README.md', relativePath: 'README.md', sourceRoot: 'https://github.com/acme/widgets.git', chunkCount: 1, format: 'markdown' },
    ]);
    assert.deepEqual(grouping.groups.map((g) => g.name).sort(), ['.', 'acme/widgets', 'infra']);
    assert.equal(grouping.groups.find((g) => g.name === '.')?.pathPrefix, null);
    assert.equal(grouping.groups.find((g) => g.name === 'infra')?.pathPrefix, 'infra/');
  });

  it('answers no groups for an empty collection', () => {
    assert.deepEqual(groupSources([]), { base: '', depth: 1, groups: [] });
  });
});
