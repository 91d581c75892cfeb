import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonParser } from './json-parser.js';

const json = (text: string, extension = 'json') => jsonParser.parse({ bytes: Buffer.from(text), fileName: `t.${extension}`, extension, relativePath: `t.${extension}` });

test('JSON: a block per top-level key or element; invalid JSON is PARSE_CORRUPT', async () => {
  const object = await json('{"name": "cairn", "deps": {"zod": "4"}}');
  assert.deepEqual(object.blocks, [
    { kind: 'code', text: '"name": "cairn"', language: 'json' },
    { kind: 'code', text: '"deps": {\n  "zod": "4"\n}', language: 'json' },
  ]);
  assert.equal((await json('[1, {"a": 2}]')).blocks.length, 2);
  assert.deepEqual((await json('"just prose"')).blocks, [{ kind: 'text', text: 'just prose' }]);
  await assert.rejects(json('{"a": '), { code: 'PARSE_CORRUPT', message: /invalid JSON/ });
  await assert.rejects(json('{}'), { code: 'PARSE_EMPTY' });
});

test('JSON Lines: one block per line with its line number; a bad line is PARSE_CORRUPT naming it', async () => {
  const lines = await json('{"id":1}\n\n{"id":2}\n', 'jsonl');
  assert.deepEqual(lines.blocks, [
    { kind: 'code', text: '{"id":1}', language: 'json', line: 1 },
    { kind: 'code', text: '{"id":2}', language: 'json', line: 3 },
  ]);
  await assert.rejects(json('{"id":1}\nnope\n', 'ndjson'), { code: 'PARSE_CORRUPT', message: /line 2/ });
});

test('huge JSON Lines files are grouped into a bounded number of blocks, in order', async () => {
  const lines = Array.from({ length: 25_001 }, (_, index) => JSON.stringify({ id: index }));
  const document = await json(lines.join('\n'), 'jsonl');
  assert.ok(document.blocks.length <= 10_000, String(document.blocks.length));
  assert.equal(document.blocks.map((block) => block.text).join('\n'), lines.join('\n'));
  assert.deepEqual(document.blocks[1], { kind: 'code', text: lines.slice(3, 6).join('\n'), language: 'json', line: 4 });
});
