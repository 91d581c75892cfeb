import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSseParser, type SseEvent } from './sse-parser.js';

function parse(chunks: string[]): { events: SseEvent[]; comments: string[]; lastEventId: string } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createSseParser((event) => events.push(event), (text) => comments.push(text));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { events, comments, lastEventId: parser.lastEventId };
}

/** Every way of cutting `text` in two. */
function everySplit(text: string): string[][] {
  return Array.from({ length: text.length + 1 }, (_, i) => [text.slice(0, i), text.slice(i)]);
}

const STREAM = 'id: j1:1\nevent: progress\ndata: {"a":1}\n\n: ping\n\nevent: text-delta\ndata: hello\n\n';

describe('createSseParser', () => {
  it('parses events with type, data and id', () => {
    const { events, comments, lastEventId } = parse([STREAM]);
    assert.deepEqual(events, [
      { event: 'progress', data: '{"a":1}', id: 'j1:1' },
      { event: 'text-delta', data: 'hello', id: 'j1:1' },
    ]);
    assert.deepEqual(comments, ['ping']);
    assert.equal(lastEventId, 'j1:1');
  });

  it('gives the same events whatever the chunk boundaries, one character at a time included', () => {
    const whole = parse([STREAM]).events;
    for (const split of everySplit(STREAM)) assert.deepEqual(parse(split).events, whole, JSON.stringify(split));
    assert.deepEqual(parse([...STREAM]).events, whole);
  });

  it('accepts CRLF and lone CR line ends, also when CR and LF arrive in different chunks', () => {
    const crlf = STREAM.replaceAll('\n', '\r\n');
    const cr = STREAM.replaceAll('\n', '\r');
    const expected = parse([STREAM]).events;
    assert.deepEqual(parse([crlf]).events, expected);
    assert.deepEqual(parse([cr]).events, expected);
    for (const split of everySplit(crlf)) assert.deepEqual(parse(split).events, expected, JSON.stringify(split));
    assert.deepEqual(parse(['data: a\r', '\r', '\ndata: b\r\n\r\n']).events.map((e) => e.data), ['a', 'b']);
  });

  it('joins multi-line data with LF and keeps an empty data line', () => {
    const { events } = parse(['data: first\ndata:second\ndata\ndata:  two spaces\n\n']);
    assert.equal(events[0]?.data, 'first\nsecond\n\n two spaces');
    assert.equal(events[0]?.event, 'message');
    assert.deepEqual(parse(['data:\n\n']).events.map((e) => e.data), ['']);
  });

  it('does not dispatch a block without data, and resets the event type after each block', () => {
    const { events } = parse(['event: lonely\n\ndata: x\n\n']);
    assert.deepEqual(events, [{ event: 'message', data: 'x', id: '' }]);
  });

  it('drops an unfinished last event at end of stream', () => {
    assert.deepEqual(parse(['data: complete\n\ndata: cut off']).events.map((e) => e.data), ['complete']);
  });

  it('ignores unknown fields, an id with NUL, and a non-numeric retry; reads retry and a leading BOM', () => {
    const { events, lastEventId } = parse(['\uFEFFid: 7\nfoo: bar\nretry: 1500\ndata: a\n\nid: x\0y\nretry: soon\ndata: b\n\n']);
    assert.deepEqual(events, [
      { event: 'message', data: 'a', id: '7', retry: 1500 },
      { event: 'message', data: 'b', id: '7' },
    ]);
    assert.equal(lastEventId, '7');
  });

  it('a field without a colon is a field with an empty value; only the first colon splits', () => {
    const { events } = parse(['data: {"url":"http://x:1"}\n\n']);
    assert.equal(events[0]?.data, '{"url":"http://x:1"}');
  });
});
