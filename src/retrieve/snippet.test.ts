import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeSnippet as makeSnippetWithOffsets, type Snippet } from './snippet.js';

/** The snippet with its highlights wrapped in `[[…]]`, for readable assertions. */
function marked(snippet: Snippet): string {
  let out = '';
  let cursor = 0;
  for (const [start, end] of snippet.highlights) {
    out += `${snippet.text.slice(cursor, start)}[[${snippet.text.slice(start, end)}]]`;
    cursor = end;
  }
  return out + snippet.text.slice(cursor);
}
const makeSnippet = (...args: Parameters<typeof makeSnippetWithOffsets>): string => marked(makeSnippetWithOffsets(...args));

const filler = (word: string, times: number): string => Array.from({ length: times }, (_, index) => `${word}${index}`).join(' ');

test('picks the window with the most distinct terms and marks the matches', () => {
  const text = `${filler('alpha', 40)} the key is here. ${filler('beta', 40)} To rotate the signing key, run rotate. ${filler('gamma', 40)}`;
  const snippet = makeSnippet(text, ['rotate', 'signing', 'key'], 120);
  assert.match(snippet, /\[\[rotate\]\] the \[\[signing\]\] \[\[key\]\], run \[\[rotate\]\]/);
  assert.ok(snippet.startsWith('…') && snippet.endsWith('…'), snippet);
  const plain = snippet.replace(/\[\[|\]\]/g, '').replace(/…/g, '');
  assert.ok(plain.length <= 120, `${plain.length}`);
  // Never cut inside a token: every word of the excerpt is a whole word of the text.
  const words = new Set(text.split(' '));
  for (const word of plain.trim().split(' ')) assert.ok(words.has(word) || words.has(`${word}.`) || word.endsWith(','), word);
});

test('stem-ish prefix matching, camelCase parts, short terms match whole words only', () => {
  assert.equal(makeSnippet('Rotation and rotating keys', ['rotate']), '[[Rotation]] and [[rotating]] keys');
  assert.equal(makeSnippet('call getUserName() now', ['user']), 'call [[getUserName]]() now');
  assert.equal(makeSnippet('go gopher go', ['go']), '[[go]] gopher [[go]]');
});

test('no match: the start of the text, cut at a word boundary; whitespace collapsed', () => {
  assert.equal(makeSnippet('one two\n\n three   four five', ['zzz'], 14), 'one two three…');
  assert.equal(makeSnippet('short text', []), 'short text');
  assert.equal(makeSnippet('   ', ['x']), '');
  assert.equal(makeSnippet('x'.repeat(50), [], 10), `${'x'.repeat(10)}…`);
});

test('non-ASCII words match; a case change that alters length does not break offsets', () => {
  assert.equal(makeSnippet('Die Größe der Straße', ['größe']), 'Die [[Größe]] der Straße');
  assert.equal(makeSnippet('İstanbul and Ankara', ['ankara']), 'İstanbul and [[Ankara]]');
});

test('highlights are offsets into plain text: Markdown emphasis in the chunk is not confused with a match', () => {
  const snippet = makeSnippetWithOffsets('Use **bold** text to rotate the key.', ['rotate']);
  assert.equal(snippet.text, 'Use **bold** text to rotate the key.');
  assert.deepEqual(snippet.highlights, [[21, 27]]);
  const cut = makeSnippetWithOffsets(`${'word '.repeat(80)}rotate now`, ['rotate'], 40);
  assert.ok(cut.text.startsWith('…'));
  const [start, end] = cut.highlights[0] ?? [0, 0];
  assert.equal(cut.text.slice(start, end), 'rotate');
  assert.deepEqual(makeSnippetWithOffsets('nothing here', ['zzz']).highlights, []);
});
