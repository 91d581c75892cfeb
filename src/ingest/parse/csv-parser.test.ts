import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvParser } from './csv-parser.js';

const csv = (text: string, extension = 'csv') => csvParser.parse({ bytes: Buffer.from(text), fileName: `t.${extension}`, extension, relativePath: `t.${extension}` });

test('CSV rows carry the header and their 1-based line, including multi-line quoted cells', async () => {
  const document = await csv('name,notes\n\nalice,"line one\nline two"\nbob,"a, b"\n');
  assert.deepEqual(document.blocks, [
    { kind: 'row', text: '| alice | line one line two |', header: '| name | notes |\n| --- | --- |', line: 3 },
    { kind: 'row', text: '| bob | a, b |', header: '| name | notes |\n| --- | --- |', line: 5 },
  ]);
  assert.equal(document.format, 'csv');
});

test('semicolon delimiter is detected; TSV uses tabs; ragged rows do not throw', async () => {
  const semicolon = await csv('a;b;c\n1;2,5;3\n');
  assert.equal(semicolon.metadata.delimiter, ';');
  assert.equal(semicolon.blocks[0]?.text, '| 1 | 2,5 | 3 |');
  const tsv = await csv('x\ty\n1\t2\n', 'tsv');
  assert.equal(tsv.blocks[0]?.text, '| 1 | 2 |');
  const ragged = await csv('a,b\n1\n1,2,3,4\n');
  assert.deepEqual(ragged.blocks.map((block) => block.text), ['| 1 |', '| 1 | 2 | 3 | 4 |']);
});

test('a header-only CSV keeps its header; blank CSV is PARSE_EMPTY', async () => {
  assert.deepEqual((await csv('only,header\n')).blocks.map((block) => block.kind), ['table']);
  await assert.rejects(csv('\n \n'), { code: 'PARSE_EMPTY' });
});
