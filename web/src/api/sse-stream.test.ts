import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiError } from './api-error.js';
import type { SseEvent } from './sse-parser.js';
import { fetchSse, followSse, readSseBody } from './sse-stream.js';

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('readSseBody', () => {
  it('yields events across byte chunks, a multi-byte character split between two included', async () => {
    const bytes = new TextEncoder().encode('event: text-delta\ndata: {"text":"é"}\n\nevent: finish\ndata: {}\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSseBody(stream)) events.push(event);
    assert.deepEqual(events.map((e) => [e.event, e.data]), [['text-delta', '{"text":"é"}'], ['finish', '{}']]);
  });

  it('stops reading when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    for await (const event of readSseBody(bodyOf(['data: 1\n\n', 'data: 2\n\n']), controller.signal)) {
      seen.push(event.data);
      controller.abort();
    }
    assert.deepEqual(seen, ['1']);
  });
});

describe('fetchSse and followSse against a real HTTP server', () => {
  let server: Server;
  let url: string;
  const requests: IncomingMessage[] = [];

  before(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      if (request.url === '/refused') {
        response.writeHead(401, { 'content-type': 'application/problem+json' });
        response.end(JSON.stringify({ title: 'Unauthorized', status: 401, detail: 'This route needs an API key.', code: 'UNAUTHENTICATED', hint: 'Send a key.' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const last = Number(request.headers['last-event-id'] ?? 0);
      // Two events per connection, then the connection drops; the client must resume after the last id.
      response.end(`: ping\n\nid: ${last + 1}\nevent: progress\ndata: {"n":${last + 1}}\n\nid: ${last + 2}\nevent: progress\ndata: {"n":${last + 2}}\n\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('throws the problem+json of a refused request as an ApiError with detail and hint', async () => {
    await assert.rejects(
      async () => {
        for await (const _ of fetchSse({ url: `${url}/refused` })) assert.fail('no event expected');
      },
      (error: unknown) => error instanceof ApiError && error.status === 401 && error.code === 'UNAUTHENTICATED' && error.hint === 'Send a key.',
    );
  });

  it('reconnects after a drop with Last-Event-ID and sends the headers it was given', async () => {
    requests.length = 0;
    const controller = new AbortController();
    const numbers: number[] = [];
    await followSse({
      url: `${url}/events`,
      headers: { authorization: 'Bearer k' },
      signal: controller.signal,
      initialDelayMs: 10,
      onEvent: (event) => {
        numbers.push((JSON.parse(event.data) as { n: number }).n);
        if (numbers.length === 6) controller.abort();
      },
    });
    assert.deepEqual(numbers, [1, 2, 3, 4, 5, 6]);
    assert.equal(requests[0]?.headers['last-event-id'], undefined);
    assert.deepEqual(requests.slice(1, 3).map((r) => r.headers['last-event-id']), ['2', '4']);
    assert.ok(requests.every((r) => r.headers.authorization === 'Bearer k'));
  });

  it('stops following on a 4xx answer and reports it', async () => {
    const errors: unknown[] = [];
    await followSse({ url: `${url}/refused`, signal: new AbortController().signal, initialDelayMs: 10, onEvent: () => assert.fail('no event'), onError: (error) => errors.push(error) });
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as ApiError).status, 401);
  });
});
