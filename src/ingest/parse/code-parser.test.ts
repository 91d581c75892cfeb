import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeLanguageFor } from './code-languages.js';
import { codeParser, splitCode } from './code-parser.js';

const language = (extension: string, fileName = `file.${extension}`) => {
  const found = codeLanguageFor(extension, fileName);
  assert.ok(found, `no language for .${extension}`);
  return found;
};

test('TypeScript splits at top-level definitions and keeps doc comments with them', () => {
  const source = [
    "import { a } from './a.js';",
    '',
    '/** Adds. */',
    'export function add(x: number, y: number): number {',
    '  const inner = 1;',
    '',
    '  return x + y + inner;',
    '}',
    '',
    '// A class.',
    '@decorated()',
    'export class Box {',
    '  function notTopLevel() {}',
    '}',
    'const value = 3;',
  ].join('\n');
  const blocks = splitCode(source, language('ts'));
  assert.deepEqual(
    blocks.map((block) => [block.kind === 'code' ? block.line : 0, block.text.split('\n')[0]]),
    [
      [1, "import { a } from './a.js';"],
      [3, '/** Adds. */'],
      [10, '// A class.'],
      [15, 'const value = 3;'],
    ],
  );
  assert.ok(blocks.every((block) => block.kind === 'code' && block.language === 'typescript'));
  assert.match(blocks[1]?.text ?? '', /return x \+ y \+ inner;\n}$/);
});

test('Python keeps decorators and comments with def/class; nested defs stay inside', () => {
  const source = ['import os', '', '# helper', '@cache', 'def f():', '    def g():', '        pass', '    return 1', '', 'class C:', '    x = 1'].join('\n');
  const blocks = splitCode(source, language('py'));
  assert.deepEqual(
    blocks.map((block) => (block.kind === 'code' ? [block.line, block.text] : [])),
    [
      [1, 'import os'],
      [3, '# helper\n@cache\ndef f():\n    def g():\n        pass\n    return 1'],
      [10, 'class C:\n    x = 1'],
    ],
  );
});

test('Go, Rust and SQL definitions', () => {
  assert.deepEqual(
    splitCode('package main\n\nfunc A() {}\n\ntype T struct{}\n', language('go')).map((block) => block.text),
    ['package main', 'func A() {}', 'type T struct{}'],
  );
  assert.deepEqual(
    splitCode('use std::fmt;\n#[derive(Debug)]\npub struct S;\nimpl S {\n    fn f() {}\n}\n', language('rs')).map((block) => block.text),
    ['use std::fmt;', '#[derive(Debug)]\npub struct S;', 'impl S {\n    fn f() {}\n}'],
  );
  assert.equal(splitCode('-- users\nCREATE TABLE u (id int);\nselect 1;\n', language('sql')).length, 2);
});

test('long blocks without definitions split at blank lines, never mid-paragraph', () => {
  const paragraph = (n: number) => Array.from({ length: 30 }, (_, index) => `  line ${n}.${index}`).join('\n');
  const source = ['{', paragraph(1), '', paragraph(2), '', paragraph(3), '', paragraph(4), '}'].join('\n');
  const blocks = splitCode(source, language('js'));
  assert.ok(blocks.length >= 2, `expected a split, got ${blocks.length}`);
  for (const block of blocks) assert.ok(block.text.split('\n').length <= 92);
  assert.equal(blocks.map((block) => block.text).join('\n\n'), source);
});

test('language comes from extension, file name or shebang; the document carries it', async () => {
  assert.equal(codeLanguageFor('', 'Dockerfile')?.name, 'dockerfile');
  assert.equal(codeLanguageFor('dev', 'Dockerfile.dev')?.name, 'dockerfile');
  assert.equal(codeLanguageFor('', 'Makefile')?.name, 'makefile');
  assert.equal(codeLanguageFor('', 'run', '#!/usr/bin/env python3')?.name, 'python');
  assert.equal(codeLanguageFor('', 'run', '#!/bin/bash')?.name, 'shell');
  for (const extension of ['tsx', 'jsx', 'mjs', 'cjs', 'kt', 'h', 'hpp', 'cs', 'rb', 'php', 'swift', 'scala', 'bash', 'yml', 'toml', 'scss', 'vue', 'svelte', 'lua', 'r', 'dart', 'ex', 'exs', 'proto', 'java', 'c', 'cpp', 'css']) {
    assert.ok(codeLanguageFor(extension, `f.${extension}`), extension);
  }
  const document = await codeParser.parse({ bytes: Buffer.from('FROM node:20\nRUN true\n\nFROM alpine\nCOPY . .\n'), fileName: 'Dockerfile', extension: '', relativePath: 'Dockerfile' });
  assert.equal(document.language, 'dockerfile');
  assert.equal(document.title, 'Dockerfile');
  assert.deepEqual(document.blocks.map((block) => (block.kind === 'code' ? block.line : 0)), [1, 4]);
});
