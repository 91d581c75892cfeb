import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCairn } from '../testing/run-cairn.js';
import { renderSnippet } from './render-snippet.js';

test('renderSnippet: matches in ANSI bold when styled, the plain snippet otherwise; never literal **', () => {
  const snippet = 'Use **bold** Markdown;\n the  port is 11434.';
  const highlights = [[29, 33], [37, 42]] as const;
  assert.equal(renderSnippet(snippet, highlights, true), 'Use **bold** Markdown; the \x1b[1mport\x1b[22m is \x1b[1m11434\x1b[22m.');
  assert.equal(renderSnippet(snippet, highlights, false), 'Use **bold** Markdown; the port is 11434.');
});

let home: string;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'cairn-snippet-cli-'));
  writeFileSync(join(home, 'ports.md'), '# Ports\n\nOllama listens on port 11434 by default.\n');
  assert.equal((await runCairn(home, ['ingest', join(home, 'ports.md'), '--collection', 'kb'])).code, 0);
});
after(() => rmSync(home, { recursive: true, force: true }));

test('cairn search: bold matches in a terminal, plain text when piped or with NO_COLOR', async () => {
  const terminal = await runCairn(home, ['search', 'Ollama port', '--collection', 'kb'], { tty: true });
  assert.equal(terminal.code, 0, terminal.stderr);
  assert.ok(terminal.stdout.includes('\x1b[1mOllama\x1b[22m listens on \x1b[1mport\x1b[22m'), terminal.stdout);
  for (const plain of [await runCairn(home, ['search', 'Ollama port', '--collection', 'kb']), await runCairn(home, ['search', 'Ollama port', '--collection', 'kb'], { tty: true, env: { NO_COLOR: '1' } })]) {
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /Ollama listens on port 11434/);
    assert.ok(!plain.stdout.includes('\x1b') && !plain.stdout.includes('**'), plain.stdout);
  }
});
