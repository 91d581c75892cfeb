/**
 * A stand-in for an OpenAI-compatible LLM server (vLLM, llama.cpp server, Ollama, NIM) for tests and
 * benchmarks: a real `node:http` server on 127.0.0.1 speaking the wire format exactly.
 *
 * Routes
 * - `GET /v1/models` → `{ object: "list", data: [{ id, object: "model", owned_by }] }`.
 * - `POST /v1/chat/completions` with `{ model, messages, max_tokens?, stream?, stream_options? }`:
 *   - `stream: false` → one `chat.completion` with `choices[0].message.content`, `finish_reason`, `usage`.
 *   - `stream: true` → `text/event-stream`: a first chunk with `delta.role` and empty content, one
 *     `chat.completion.chunk` per token (`data: {json}` + blank line), a chunk with an empty delta and
 *     `finish_reason` (`stop`, or `length` when `max_tokens` cut the answer), then, when the request set
 *     `stream_options.include_usage`, a chunk with `choices: []` and `usage` (`prompt_tokens`,
 *     `completion_tokens`, `total_tokens`), then `data: [DONE]`.
 *   - A body without `messages` → 400 with an OpenAI error object.
 *
 * Behaviour (`StandInBehaviour`) is set for the server when it starts, changed with `setBehaviour`, and
 * overridden per request by the header `x-stand-in: {json}` or by `[stand-in {json}]` (a flat JSON
 * object) anywhere in the last user message:
 * - `answer`: the scripted reply. By default the reply is grounded in the prompt: it echoes the first
 *   words of source [1] and cites it (see `defaultStandInAnswer`), or says the sources lack the answer.
 * - `tokenDelayMs` between tokens; `firstTokenDelayMs` after the headers and role chunk, before the first token.
 * - `errorAfterTokens`: fail after that many tokens, by closing the socket in the middle of the chunked body
 *   (`errorMode: "destroy"`, the default) or by sending `data: {"error":{...}}` then `[DONE]` (`errorMode: "event"`).
 * - `status`: answer every route with this HTTP status and an OpenAI error body (e.g. 500, 503, 429).
 * - `hang`: accept the request and never send a byte (every route).
 * - `noUsage`: never send usage, so clients must count deltas.
 * - `tokensPerDelta`: tokens each delta stands for in `usage.completion_tokens` (default 1).
 *
 * Observation: `requests` (every request, with its parsed body, the behaviour applied and when the
 * server finished answering), `connections`, `closedConnections` (sockets closed by either side),
 * `abortedResponses` (the client went away before the answer was complete) and `until(predicate)`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInBehaviour {
  answer?: string;
  tokenDelayMs?: number;
  firstTokenDelayMs?: number;
  errorAfterTokens?: number;
  errorMode?: 'destroy' | 'event';
  status?: number;
  hang?: boolean;
  noUsage?: boolean;
  tokensPerDelta?: number;
}

export interface StandInLlmServerOptions extends StandInBehaviour {
  /** Ids listed at `/v1/models`, first is the default. Default `["stand-in-model"]`. */
  models?: string[];
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
  behaviour: StandInBehaviour;
  /** `performance.now()` when the request arrived and when the server finished its answer (unset until then). */
  receivedAt: number;
  completedAt?: number;
  /** Set when the client closed the connection before the answer was complete. */
  aborted?: boolean;
}

export interface StandInLlmServer {
  /** `http://127.0.0.1:<port>/v1` */
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  readonly connections: number;
  readonly closedConnections: number;
  readonly abortedResponses: number;
  setBehaviour(patch: StandInBehaviour): void;
  /** Resolves once `predicate` holds (polled every 5 ms); rejects after `timeoutMs` (default 2000). */
  until(predicate: (server: StandInLlmServer) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

interface ChatMessageLike {
  role?: unknown;
  content?: unknown;
}

export async function startStandInLlmServer(options: StandInLlmServerOptions = {}): Promise<StandInLlmServer> {
  const { models = ['stand-in-model'], port = 0, ...initial } = options;
  let behaviour: StandInBehaviour = { ...initial };
  const requests: RecordedRequest[] = [];
  let connections = 0;
  let closedConnections = 0;
  let abortedResponses = 0;

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });
  server.on('connection', (socket) => {
    connections += 1;
    socket.on('close', () => {
      closedConnections += 1;
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const applied = { ...behaviour, ...headerOverride(request.headers['x-stand-in']), ...messageOverride(body) };
    const record: RecordedRequest = { method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers, body, behaviour: applied, receivedAt: performance.now() };
    requests.push(record);
    let closed = false;
    let destroyedByServer = false;
    response.on('close', () => {
      closed = true;
      if (record.completedAt === undefined && !destroyedByServer) {
        record.aborted = true;
        abortedResponses += 1;
      }
    });
    const finish = (): void => {
      record.completedAt = performance.now();
    };

    if (applied.hang) return;
    if (applied.status !== undefined) {
      sendJson(response, applied.status, { error: { message: `stand-in answers HTTP ${applied.status}`, type: applied.status >= 500 ? 'server_error' : 'invalid_request_error', code: applied.status } }, finish);
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && path === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'stand-in' })) }, finish);
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(response, 404, { error: { message: `no route ${request.method} ${path}`, type: 'invalid_request_error' } }, finish);
      return;
    }
    const chat = body as { model?: unknown; messages?: unknown; max_tokens?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } } | undefined;
    if (!chat || !Array.isArray(chat.messages) || chat.messages.length === 0) {
      sendJson(response, 400, { error: { message: "'messages' must be a non-empty array", type: 'invalid_request_error' } }, finish);
      return;
    }
    const messages = chat.messages as ChatMessageLike[];
    const model = typeof chat.model === 'string' && chat.model !== '' ? chat.model : (models[0] ?? 'stand-in-model');
    const maxTokens = typeof chat.max_tokens === 'number' ? chat.max_tokens : Number.POSITIVE_INFINITY;
    const allTokens = tokenize(applied.answer ?? defaultStandInAnswer(messages));
    const tokens = allTokens.slice(0, maxTokens);
    const finishReason = tokens.length < allTokens.length ? 'length' : 'stop';
    const promptTokens = Math.ceil(messages.reduce((sum, message) => sum + String(message.content ?? '').length, 0) / 4);
    const completionTokens = tokens.length * (applied.tokensPerDelta ?? 1);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = `chatcmpl-standin-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);

    if (chat.stream !== true) {
      await delay(applied.firstTokenDelayMs ?? 0);
      if (closed) return;
      if (applied.errorAfterTokens !== undefined) {
        if (applied.errorMode === 'event') sendJson(response, 500, { error: { message: 'stand-in failed while generating', type: 'server_error' } }, finish);
        else {
          destroyedByServer = true;
          response.socket?.destroy();
        }
        return;
      }
      sendJson(
        response,
        200,
        { id, object: 'chat.completion', created, model, choices: [{ index: 0, message: { role: 'assistant', content: tokens.join('') }, finish_reason: finishReason }], usage },
        finish,
      );
      return;
    }

    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    response.flushHeaders();
    const send = (payload: unknown): void => {
      response.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const chunk = (delta: Record<string, unknown>, reason: string | null): Record<string, unknown> => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: reason }],
    });
    send(chunk({ role: 'assistant', content: '' }, null));
    await delay(applied.firstTokenDelayMs ?? 0);
    for (let index = 0; index < tokens.length; index += 1) {
      if (closed) return;
      if (applied.errorAfterTokens === index) {
        if (applied.errorMode === 'event') {
          send({ error: { message: `stand-in failed after ${index} tokens`, type: 'server_error', code: 500 } });
          response.end('data: [DONE]\n\n', finish);
        } else {
          // end(): FIN after the tokens already written, so the client sees them and then a cut-off body.
          destroyedByServer = true;
          response.socket?.end();
        }
        return;
      }
      if (index > 0) await delay(applied.tokenDelayMs ?? 0);
      if (closed) return;
      send(chunk({ content: tokens[index] }, null));
    }
    if (closed) return;
    send(chunk({}, finishReason));
    const streamOptions = chat.stream_options;
    if (!applied.noUsage && streamOptions && streamOptions.include_usage === true) {
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    }
    response.end('data: [DONE]\n\n', finish);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;

  const handleObject: StandInLlmServer = {
    url: `http://127.0.0.1:${boundPort}/v1`,
    port: boundPort,
    requests,
    get connections() {
      return connections;
    },
    get closedConnections() {
      return closedConnections;
    },
    get abortedResponses() {
      return abortedResponses;
    },
    setBehaviour(patch) {
      behaviour = { ...behaviour, ...patch };
    },
    async until(predicate, timeoutMs = 2000) {
      const deadline = performance.now() + timeoutMs;
      while (!predicate(handleObject)) {
        if (performance.now() > deadline) throw new Error(`stand-in LLM server: condition not met within ${timeoutMs} ms`);
        await delay(5);
      }
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return handleObject;
}

/**
 * The default reply: "Based on the sources, <first 12 words of source [1]> [1]." Source [1] is the text
 * after the first "[1]" in any message up to "[2]" (or the end); when it spans several lines its first
 * line is taken as a header (title, URI) and skipped. Without a "[1]" the reply says the sources do not
 * contain the answer.
 */
export function defaultStandInAnswer(messages: ReadonlyArray<{ content?: unknown }>): string {
  const prompt = messages.map((message) => String(message.content ?? '')).join('\n');
  const start = prompt.indexOf('[1]');
  if (start === -1) return 'The sources do not contain the answer to this question.';
  const end = prompt.indexOf('[2]', start);
  const source = prompt.slice(start + 3, end === -1 ? undefined : end).trim();
  const lines = source.split('\n').filter((line) => line.trim() !== '');
  const bodyText = lines.length > 1 ? lines.slice(1).join(' ') : source;
  const snippet = bodyText.split(/\s+/).filter(Boolean).slice(0, 12).join(' ');
  return `Based on the sources, ${snippet} [1].`;
}

/** Tokens as the server streams them: each word with the whitespace before it. */
function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function headerOverride(value: string | string[] | undefined): StandInBehaviour {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return {};
  try {
    return JSON.parse(text) as StandInBehaviour;
  } catch {
    return {};
  }
}

function messageOverride(body: unknown): StandInBehaviour {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return {};
  const lastUser = [...(messages as ChatMessageLike[])].reverse().find((message) => message.role === 'user');
  const match = /\[stand-in\s*(\{[^{}]*\})\]/.exec(String(lastUser?.content ?? ''));
  if (!match?.[1]) return {};
  try {
    return JSON.parse(match[1]) as StandInBehaviour;
  } catch {
    return {};
  }
}

function sendJson(response: ServerResponse, status: number, payload: unknown, done: () => void): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text, done);
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
