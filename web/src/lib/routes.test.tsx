import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderToStaticMarkup } from 'react-dom/server';
import { safeHref } from './markdown.js';
import { documentHref, highlightedChunks, hrefFor, pagesFor, parseHash } from './routes.js';
import { highlightSnippet } from './snippet.js';

describe('hash routes', () => {
  it('parses page and arguments, defaulting to chat', () => {
    assert.deepEqual(parseHash(''), { page: 'chat', args: [] });
    assert.deepEqual(parseHash('#/documents/my%20notes/12'), { page: 'documents', args: ['my notes', '12'] });
    assert.deepEqual(parseHash('#/nowhere/1'), { page: 'chat', args: [] });
    assert.deepEqual(parseHash('#/settings'), { page: 'settings', args: [] });
  });

  it('builds links that parse back', () => {
    assert.equal(documentHref('a/b', 7), '#/documents/a%2Fb/7');
    assert.deepEqual(parseHash(documentHref('a/b', 7)), { page: 'documents', args: ['a/b', '7'] });
    assert.equal(hrefFor('ingestion'), '#/ingestion');
  });

  it('carries the cited chunks of a document link, and ignores malformed ones', () => {
    assert.equal(documentHref('kb', 7, [31, 32]), '#/documents/kb/7/chunks/31,32');
    const route = parseHash(documentHref('kb', 7, [31, 32]));
    assert.deepEqual(route.args, ['kb', '7', 'chunks', '31,32']);
    assert.deepEqual(highlightedChunks(route.args), [31, 32]);
    assert.deepEqual(highlightedChunks(['kb', '7']), []);
    assert.deepEqual(highlightedChunks(['kb', '7', 'chunks', 'x,-1,4']), [4]);
  });

  it('shows each scope only the pages it may use', () => {
    assert.ok(!pagesFor('read').some((page) => page.name === 'benchmarks'), 'benchmarks need an admin key');
    assert.ok(!pagesFor('write').some((page) => page.name === 'benchmarks'));
    assert.ok(pagesFor('admin').some((page) => page.name === 'benchmarks'));
    assert.ok(pagesFor('read').some((page) => page.name === 'settings'));
  });
});

describe('safeHref', () => {
  it('keeps web, mail and same-site links and drops script and protocol-relative ones', () => {
    assert.equal(safeHref('https://example.com'), 'https://example.com');
    assert.equal(safeHref('mailto:a@b.c'), 'mailto:a@b.c');
    assert.equal(safeHref('/docs'), '/docs');
    assert.equal(safeHref('javascript:alert(1)'), null);
    assert.equal(safeHref('JAVASCRIPT:alert(1)'), null);
    assert.equal(safeHref('//evil.example'), null);
    assert.equal(safeHref('data:text/html,x'), null);
  });
});

describe('highlightSnippet', () => {
  it('marks the highlighted spans and escapes the rest; Markdown in the text stays text', () => {
    const snippet = '…the trace tree <b> **records**';
    const html = renderToStaticMarkup(<p>{highlightSnippet(snippet, [[5, 10], [22, 29]])}</p>);
    assert.equal(html, '<p>…the <mark>trace</mark> tree &lt;b&gt; **<mark>records</mark>**</p>');
    assert.equal(renderToStaticMarkup(<p>{highlightSnippet('no match')}</p>), '<p>no match</p>');
  });
});
