import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageTextToParagraphs, type PositionedText } from './pdf-text-layout.js';

const run = (text: string, x: number, y: number, hasEOL = false): PositionedText => ({ text, x, y, width: text.length * 5, height: 10, hasEOL });

test('runs join into lines (spaces only across gaps) and lines into paragraphs by spacing', () => {
  const items = [
    run('Hello', 0, 700),
    run('world', 30, 700),
    run('again', 60, 700, true),
    run('next line', 0, 688, true),
    run('New para\u0000', 0, 650, true),
  ];
  assert.deepEqual(pageTextToParagraphs(items), ['Hello world again\nnext line', 'New para']);
});

test('double-spaced text stays one paragraph; a jump upwards (new column) starts another', () => {
  const lines = [run('one', 0, 700, true), run('two', 0, 676, true), run('three', 0, 652, true), run('column two', 300, 700, true)];
  assert.deepEqual(pageTextToParagraphs(lines), ['one\ntwo\nthree', 'column two']);
});
