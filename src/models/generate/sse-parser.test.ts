import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSseParser, type SseEvent } from './sse-parser.js';

const stream = [
  ': keep-alive\r\n',
  '\r\n',
  'data: {"a":1}\r\n\r\n',
  'event: ping\n',
  'data: first line\n',
  'data:second line\n',
  'id: 7\n',
  '\n',
  'data: [DONE]\r\r',
].join('');

const expected: SseEvent[] = [{ data: '{"a":1}' }, { data: 'first line\nsecond line', event: 'ping' }, { data: '[DONE]' }];

function feed(chunks: string[]): SseEvent[] {
  const parser = createSseParser();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  events.push(...parser.end());
  return events;
}

test('sse parser reads comments, CRLF, CR, multi-line data and event names', () => {
  assert.deepEqual(feed([stream]), expected);
});

test('sse parser gives the same events wherever the chunk boundaries fall', () => {
  for (let first = 0; first <= stream.length; first += 1) {
    for (let second = first; second <= stream.length; second += 7) {
      const chunks = [stream.slice(0, first), stream.slice(first, second), stream.slice(second)];
      assert.deepEqual(feed(chunks), expected, `split at ${first}/${second}`);
    }
  }
  assert.deepEqual(feed([...stream]), expected, 'one character per chunk');
});

test('sse parser keeps a CR at a chunk end until it knows whether LF follows', () => {
  const parser = createSseParser();
  assert.deepEqual(parser.push('data: x\r'), []);
  assert.deepEqual(parser.push('\n'), []);
  assert.deepEqual(parser.push('\r\n'), [{ data: 'x' }]);
});

test('sse parser dispatches pending data at the end and ignores data-less blocks', () => {
  const parser = createSseParser();
  assert.deepEqual(parser.push(': only a comment\n\nevent: lonely\n\n'), []);
  assert.deepEqual(parser.push('data: tail'), []);
  assert.deepEqual(parser.end(), [{ data: 'tail' }]);
});

test('sse parser keeps the value after the first colon and only one leading space', () => {
  assert.deepEqual(feed(['data:  two spaces: and a colon\n\ndata\n\n']), [{ data: ' two spaces: and a colon' }, { data: '' }]);
});
