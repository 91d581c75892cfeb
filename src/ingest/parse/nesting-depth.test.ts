import assert from 'node:assert/strict';
import { test } from 'node:test';
import { htmlNestingDepth, jsonNestingDepth, xmlNestingDepth, yamlFlowDepth } from './nesting-depth.js';
import { DEFAULT_PARSE_LIMITS } from './parse-limits.js';
import { parseFile } from './parse-file.js';

const DEEP = 100_000;
const input = (fileName: string, text: string, maxNestingDepth?: number) => ({
  bytes: Buffer.from(text),
  fileName,
  extension: fileName.split('.').pop() ?? '',
  relativePath: fileName,
  ...(maxNestingDepth === undefined ? {} : { limits: { ...DEFAULT_PARSE_LIMITS, maxNestingDepth } }),
});

test('xmlNestingDepth counts elements, not self-closing tags, comments, CDATA, PIs, DOCTYPE or quoted >', () => {
  const xml = '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "<a><b>">]><a><!-- <c><c> --><b attr="x>y" other=\'<z>\'><c/><![CDATA[<d><d><d>]]></b><b><c><d/></c></b></a>';
  assert.equal(xmlNestingDepth(Buffer.from(xml), 100), 3);
  assert.equal(xmlNestingDepth(Buffer.from('<a>'.repeat(DEEP)), 10), 11, 'stops one past the limit');
});

test('htmlNestingDepth follows HTML: void elements, implied end tags and raw-text elements do not nest', () => {
  assert.equal(htmlNestingDepth('<html><body><p>one<p>two<br><img src=x><ul><li>a<li>b</ul><script>"<div><div>"</script></body></html>', 100), 4);
  assert.equal(htmlNestingDepth('<svg><g><path d="M0"/><path d="M1"/></g></svg>', 100), 3);
  assert.equal(htmlNestingDepth('<div>'.repeat(DEEP), 512), 513);
});

test('jsonNestingDepth ignores brackets in strings; JSON Lines count per line', () => {
  assert.equal(jsonNestingDepth('{"a": [1, {"b": "[[[{{{\\"]]]"}], "c": {}}', 100), 3);
  assert.equal(jsonNestingDepth('[[1]]\n[[[2]]]\n[', 100, true), 3);
  assert.equal(jsonNestingDepth('['.repeat(DEEP), 512), 513);
});

test('yamlFlowDepth counts flow collections', () => {
  assert.equal(yamlFlowDepth('title: x\ntags: [a, [b, {c: d}]]\n', 100), 3);
});

test('generated 100,000-deep HTML is PARSE_BOMB at once, naming the limit and the key (parse5 alone took minutes)', async () => {
  for (const html of [`<html><body>${'<div>'.repeat(DEEP)}deep${'</div>'.repeat(DEEP)}</body></html>`, `${'<span>'.repeat(DEEP)}deep`, `${'<table><tr><td>'.repeat(DEEP)}x`]) {
    await assert.rejects(parseFile(input('deep.html', html)), (error: { code?: string; message?: string; hint?: string }) => {
      assert.equal(error.code, 'PARSE_BOMB');
      assert.match(error.message ?? '', /deep\.html: the HTML is nested deeper than 512 levels, the limit \(ingest\.limits\.maxNestingDepth\)/);
      assert.match(error.hint ?? '', /raise ingest\.limits\.maxNestingDepth/);
      return true;
    });
  }
});

test('HTML nested up to the limit still parses, and the limit comes from the configuration', async () => {
  const nested = (depth: number) => `<html><body>${'<div>'.repeat(depth)}<p>inner text</p>${'</div>'.repeat(depth)}</body></html>`;
  const document = await parseFile(input('ok.html', nested(500)));
  assert.deepEqual(document.blocks, [{ kind: 'text', text: 'inner text' }]);
  await assert.rejects(parseFile(input('ok.html', nested(30), 16)), { code: 'PARSE_BOMB', message: /deeper than 16 levels/ });
});

test('generated 100,000-deep JSON and JSON Lines are PARSE_BOMB (pretty-printing them overflowed the stack)', async () => {
  await assert.rejects(parseFile(input('deep.json', `${'['.repeat(DEEP)}1${']'.repeat(DEEP)}`)), { code: 'PARSE_BOMB', message: /the JSON is nested deeper than 512 levels/ });
  await assert.rejects(parseFile(input('deep.json', `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`)), { code: 'PARSE_BOMB' });
  await assert.rejects(parseFile(input('deep.jsonl', `{"ok": 1}\n${'['.repeat(DEEP)}1${']'.repeat(DEEP)}\n`)), { code: 'PARSE_BOMB' });
  const fine = await parseFile(input('fine.json', `{"a": ${'['.repeat(400)}1${']'.repeat(400)}}`));
  assert.equal(fine.blocks.length, 1);
});

test('Markdown with 100,000-deep YAML front matter keeps its body and says why the front matter was not read', async () => {
  const document = await parseFile(input('deep.md', `---\ntitle: x\nk: ${'['.repeat(DEEP)}${']'.repeat(DEEP)}\n---\n# Body\n\ntext\n`));
  assert.equal(document.title, 'Body');
  assert.match(String(document.metadata.frontMatterError), /front matter nested deeper than 512 levels \(ingest\.limits\.maxNestingDepth\); not read/);
  // Markdown itself is read line by line: 100,000 nested quotes or list markers are just text.
  const quotes = await parseFile(input('quotes.md', `${'> '.repeat(DEEP)}quote\n`));
  assert.equal(quotes.blocks.length, 1);
});
