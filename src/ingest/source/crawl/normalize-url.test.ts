import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { directoryOf, displayPathOf, isInScope, normalizeUrl } from './normalize-url.js';

describe('normalizeUrl', () => {
  it('drops what does not change the page', () => {
    assert.equal(normalizeUrl('HTTPS://Docs.Example.COM.:443/guide/#install'), 'https://docs.example.com/guide/');
    assert.equal(normalizeUrl('http://user:secret@docs.example.com:80/a'), 'http://docs.example.com/a');
    assert.equal(normalizeUrl('https://docs.example.com/a/b/../c/./index.html'), 'https://docs.example.com/a/c/');
    assert.equal(normalizeUrl('https://docs.example.com/%7euser/%2fslash%c3%a9'), 'https://docs.example.com/~user/%2Fslash%C3%A9');
  });

  it('strips tracking parameters and sorts the rest', () => {
    assert.equal(normalizeUrl('https://d.example/p?utm_source=x&b=2&gclid=1&a=1&utm_campaign=y'), 'https://d.example/p?a=1&b=2');
    assert.equal(normalizeUrl('https://d.example/p?utm_source=x'), 'https://d.example/p');
    assert.equal(normalizeUrl('https://d.example/p?b=2&a=3&b=1'), 'https://d.example/p?a=3&b=2&b=1', 'repeated names keep their order');
  });

  it('keeps a trailing slash significant', () => {
    assert.notEqual(normalizeUrl('https://d.example/guide'), normalizeUrl('https://d.example/guide/'));
  });

  it('resolves against a base and refuses other schemes', () => {
    assert.equal(normalizeUrl('../api/', 'https://d.example/docs/guide/intro'), 'https://d.example/docs/api/');
    for (const input of ['mailto:a@b.example', 'javascript:void(0)', 'ftp://d.example/x', 'file:///etc/passwd', 'not a url']) assert.equal(normalizeUrl(input), null, input);
  });
});

describe('scope', () => {
  it('is the directory of the start page', () => {
    assert.equal(directoryOf('https://d.example/docs/intro.html?x=1'), 'https://d.example/docs/');
    assert.equal(directoryOf('https://d.example/docs/'), 'https://d.example/docs/');
    assert.equal(directoryOf('https://d.example/docs'), 'https://d.example/');
  });

  it('holds the pages below it and its own directory without the slash', () => {
    assert.ok(isInScope('https://d.example/docs/a/b', 'https://d.example/docs/'));
    assert.ok(isInScope('https://d.example/docs', 'https://d.example/docs/'));
    assert.ok(!isInScope('https://d.example/docsearch', 'https://d.example/docs/'));
    assert.ok(!isInScope('https://other.example/docs/a', 'https://d.example/docs/'));
  });

  it('gives documents a host/path relative path', () => {
    assert.equal(displayPathOf('https://d.example:8443/docs/a?q=1'), 'd.example:8443/docs/a?q=1');
  });
});
