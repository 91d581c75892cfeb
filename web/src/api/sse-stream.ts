import { apiErrorFromResponse } from './api-error.js';
import { createSseParser, type SseEvent } from './sse-parser.js';

/**
 * Reads a `text/event-stream` response body as events, with fetch + ReadableStream (EventSource cannot
 * send an Authorization header). Ends when the body ends; aborting `signal` cancels the read.
 */
export async function* readSseBody(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const parser = createSseParser((event) => queue.push(event));
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      if (done) {
        parser.push(decoder.decode());
        parser.end();
        while (queue.length > 0) yield queue.shift() as SseEvent;
        return;
      }
      parser.push(decoder.decode(value, { stream: true }));
      while (queue.length > 0) yield queue.shift() as SseEvent;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock();
  }
}

export interface SseRequest {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  lastEventId?: string;
}

/** One request whose answer is an event stream; a non-2xx answer throws its ApiError before any event. */
export async function* fetchSse(request: SseRequest): AsyncGenerator<SseEvent> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.lastEventId) headers['last-event-id'] = request.lastEventId;
  const response = await fetch(request.url, {
    method: request.method ?? 'GET',
    headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: request.signal,
    cache: 'no-store',
  });
  if (!response.ok) throw await apiErrorFromResponse(response);
  if (!response.body) return;
  yield* readSseBody(response.body, request.signal);
}

export interface FollowOptions {
  url: string;
  headers?: Record<string, string>;
  signal: AbortSignal;
  onEvent: (event: SseEvent) => void;
  /** Called with the error of each failed attempt before the next; a 4xx other than 429 stops following. */
  onError?: (error: unknown) => void;
  /** Stop when the server ends the stream (one job's events) instead of reconnecting. */
  stopAtEnd?: boolean;
  /** First wait before reconnecting, doubled after each failure up to 15 s (default 1000). */
  initialDelayMs?: number;
}

/**
 * Follows a GET event stream until `signal` aborts: reconnects after a drop with `Last-Event-ID`
 * (the server replays what was missed), waiting the server's `retry` or a backoff of 1-15 s.
 */
export async function followSse(options: FollowOptions): Promise<void> {
  let lastEventId = '';
  const initialDelayMs = options.initialDelayMs ?? 1000;
  let delayMs = initialDelayMs;
  while (!options.signal.aborted) {
    try {
      const events = fetchSse({ url: options.url, headers: options.headers, signal: options.signal, lastEventId });
      let opened = false;
      for await (const event of events) {
        if (!opened) {
          opened = true;
          delayMs = initialDelayMs;
        }
        if (event.id) lastEventId = event.id;
        if (event.retry !== undefined) delayMs = event.retry;
        options.onEvent(event);
      }
      if (options.stopAtEnd) return;
    } catch (error) {
      if (options.signal.aborted) return;
      const status = (error as { status?: number }).status ?? 0;
      options.onError?.(error);
      if (status >= 400 && status < 500 && status !== 429) return;
    }
    await sleep(delayMs, options.signal);
    delayMs = Math.min(delayMs * 2, 15_000);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
