import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proseParagraphs } from './prose-paragraphs.js';

test('Markdown: headings, code blocks and directives dropped; lists, quotes and tables one paragraph per item', () => {
  const text = [
    '## Install { #install }',
    '',
    'Run the **installer** from [the site](https://example.com/a.b "Title")',
    'and wait.',
    '',
    '```sh',
    'npm ci',
    '```',
    '',
    '!!! warning "Careful"',
    '    Back up *first*.',
    '',
    '- [x] one ![logo](logo.png)',
    '- two <https://example.org>',
    '  continued',
    '',
    '> quoted',
    '> text',
    '',
    '| name | value |',
    '| --- | --- |',
    '| a | `x` |',
    '',
    '{* ../../docs_src/app.py hl[3] *}',
    'Setext',
    '------',
  ].join('\n');
  assert.deepEqual(proseParagraphs(text), [
    'Run the installer from the site and wait.',
    'Back up first.',
    'one',
    'two https://example.org continued',
    'quoted text',
    'name; value',
    'a; `x`',
  ]);
});

test('HTML: tags (with quoted ">" and "." in attributes) removed, entities decoded, code spans verbatim', () => {
  assert.deepEqual(proseParagraphs('<p>Say <abbr title="a. b > c">I/O</abbr>.</p> &amp; &lt;tag&gt; &#8212; `<b>**x**</b>` a < b'), [
    'Say I/O. & <tag> — `<b>**x**</b>` a < b',
  ]);
  assert.deepEqual(proseParagraphs('<!-- a comment\nover lines -->\n<img src="x.png">'), []);
});
