import { CairnError } from '../../core/cairn-error.js';
import type { z } from 'zod';
import { apiKeyFor, type EndpointCredential } from '../endpoint-credentials.js';
import { chatCompletionSchema, statusError, toUsage, upstreamErrorMessage } from './chat-completions-wire.js';
import { backoffDelayMs, sleep } from './backoff-delay.js';
import { chatStreamEvents } from './chat-stream-events.js';
import { type Endpoint, EndpointPool } from './endpoint-pool.js';
import type { GenerateOptions, GenerateResult, GenerateStreamPart, LanguageModel, StreamTimings, Usage } from './language-model.js';
import { authorizationHeaders, hasVersionSegment, listModels, withVersionSegment } from './list-models.js';
import { openTimedRequest, type TimedRequest } from './timed-request.js';

export interface OpenAiChatModelOptions {
  /** Base URLs serving one model (`http://127.0.0.1:8000/v1`); see `withVersionSegment` for bases without `/v1`. */
  urls: string[];
  /** Unset: the first id of `GET <base>/models`, asked once on the first request. */
  model?: string;
  /** Bearer tokens by base URL: a request carries the one covering its endpoint's URL, or none. */
  credentials?: readonly EndpointCredential[];
  contextWindow: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Further attempts after the first, before the first token only; failing over to another endpoint counts as one. */
  retries: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  fetch?: typeof fetch;
  /** First backoff before trying an endpoint again that already failed this request, in ms; doubles per retry, full jitter. Default 250. */
  backoffBaseMs?: number;
  /** Upper bound of one backoff, in ms. Default 4000. */
  backoffMaxMs?: number;
}

/**
 * The OpenAI chat-completions client over a pool of endpoints (vLLM replicas, a fleet of llama.cpp
 * servers, Ollama, NIM, LM Studio, OpenAI).
 *
 * Failure contract, for `stream` and `generate` alike:
 * - Before the first text delta every retryable failure (refused, reset, connect or idle timeout,
 *   408/429/5xx, an error event) counts against the endpoint's breaker and the request moves on to the
 *   next endpoint round-robin, up to `retries` more attempts; an endpoint that already failed in this
 *   request is tried again only after a jittered exponential backoff.
 * - When every endpoint is down (each failed in this request or is refused by its open breaker) the call
 *   throws LLM_UNAVAILABLE (retryable; `cause` and `details.lastErrorCode` carry the last failure, e.g.
 *   UPSTREAM_TIMEOUT). When the attempts run out while some endpoint was not tried, it throws the last
 *   failure itself (UPSTREAM_TIMEOUT or UPSTREAM_FAILED, retryable).
 * - Other 4xx are thrown at once: INPUT_INVALID (400/413/422) or UPSTREAM_FAILED, with the server's message.
 * - After the first text delta nothing is retried: a failure becomes one `error` part and the stream ends.
 * - Aborting `signal`, or leaving the stream early (`break` in `for await`), aborts the HTTP request.
 */
export function createOpenAiChatModel(options: OpenAiChatModelOptions): LanguageModel {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const pool = new EndpointPool({ urls: options.urls, breakerFailures: options.breakerFailures, breakerCooldownMs: options.breakerCooldownMs });
  const backoffBaseMs = options.backoffBaseMs ?? 250;
  const backoffMaxMs = options.backoffMaxMs ?? 4000;
  let modelName = options.model;
  let modelLookup: Promise<string> | undefined;

  /** The model name; when unset, one `GET <base>/models` shared by concurrent requests (a failed lookup is asked again next time). */
  const ensureModel = async (endpoint: Endpoint, signal: AbortSignal | undefined): Promise<string> => {
    if (modelName) return modelName;
    modelLookup ??= lookupModel(endpoint, signal).finally(() => {
      modelLookup = undefined;
    });
    return modelLookup;
  };

  const lookupModel = async (endpoint: Endpoint, signal: AbortSignal | undefined): Promise<string> => {
    const apiKey = apiKeyFor(endpoint.baseUrl, options.credentials);
    const list = await listModels({
      baseUrl: endpoint.baseUrl,
      fetch: fetchImpl,
      ...(apiKey ? { apiKey } : {}),
      timeoutMs: options.connectTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    endpoint.baseUrl = list.baseUrl;
    const first = list.ids[0];
    if (!first) {
      throw new CairnError('UPSTREAM_FAILED', `The LLM server at ${endpoint.baseUrl} lists no models.`, {
        hint: 'Load a model into the server, or name one with CAIRN_LLM_MODEL.',
      });
    }
    modelName ??= first;
    return modelName;
  };

  /**
   * POSTs to `<base>/chat/completions`; resolves once a 2xx arrives, else throws the mapped error. A
   * streamed answer sends its headers at once, so their wait is the connect timeout; a non-streamed one
   * sends them only when the whole completion is done, so there the wait is the idle timeout (if longer).
   */
  const openChat = async (endpoint: Endpoint, body: Record<string, unknown>, signal: AbortSignal | undefined): Promise<TimedRequest> => {
    const headersTimeoutMs = body.stream ? options.connectTimeoutMs : Math.max(options.connectTimeoutMs, options.idleTimeoutMs);
    for (let tries = 0; ; tries += 1) {
      const url = `${endpoint.baseUrl}/chat/completions`;
      const request = await openTimedRequest({
        fetch: fetchImpl,
        url,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: body.stream ? 'text/event-stream' : 'application/json', ...authorizationHeaders(apiKeyFor(url, options.credentials)) },
          body: JSON.stringify(body),
        },
        connectTimeoutMs: headersTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        ...(signal ? { signal } : {}),
      });
      if (request.response.ok) return request;
      try {
        const text = await request.text();
        if (request.response.status === 404 && tries === 0 && !hasVersionSegment(endpoint.baseUrl)) {
          endpoint.baseUrl = withVersionSegment(endpoint.baseUrl);
          continue;
        }
        throw statusError(url, request.response.status, text);
      } finally {
        request.abort();
      }
    }
  };

  const requestBody = (model: string, request: GenerateOptions, stream: boolean): Record<string, unknown> => ({
    model,
    messages: request.messages,
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stop && request.stop.length > 0 ? { stop: request.stop } : {}),
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });

  const backoff = (retry: number, signal: AbortSignal | undefined): Promise<void> => sleep(backoffDelayMs(retry, backoffBaseMs, backoffMaxMs), signal);

  const unavailable = (lastError: CairnError | undefined): CairnError =>
    new CairnError('LLM_UNAVAILABLE', `No LLM endpoint could answer${lastError ? `; the last failure: ${lastError.message}` : ': every circuit breaker is open.'}`, {
      ...(lastError ? { cause: lastError } : {}),
      retryable: true,
      hint: `Check the servers in CAIRN_LLM_URL; an endpoint whose breaker opened is tried again after ${Math.round(options.breakerCooldownMs / 1000)} s.`,
      details: { endpoints: pool.statuses(), ...(lastError ? { lastErrorCode: lastError.code } : {}) },
    });

  /** What a request that ran out of attempts throws: LLM_UNAVAILABLE when every endpoint failed in it or is refused by its breaker. */
  const exhausted = (failed: ReadonlySet<Endpoint>, lastError: CairnError | undefined): CairnError => {
    const everyEndpointDown = pool.endpoints.every((endpoint) => failed.has(endpoint) || !endpoint.breaker.wouldAllow());
    return everyEndpointDown || !lastError ? unavailable(lastError) : lastError;
  };

  /** Runs `attempt` with failover and retries; used by `generate`, whose output is only visible once complete. */
  const withFailover = async <T>(signal: AbortSignal | undefined, attempt: (endpoint: Endpoint, model: string) => Promise<T>): Promise<T> => {
    const failed = new Set<Endpoint>();
    let lastError: CairnError | undefined;
    for (let tries = 0; tries <= options.retries; tries += 1) {
      const endpoint = pool.acquire(failed);
      if (!endpoint) throw unavailable(lastError);
      try {
        if (failed.has(endpoint)) await backoff(tries - 1, signal);
        const result = await attempt(endpoint, await ensureModel(endpoint, signal));
        endpoint.breaker.recordSuccess();
        return result;
      } catch (error) {
        const failure = asCairnError(error);
        if (!failure.retryable) {
          endpoint.breaker.release();
          throw failure;
        }
        endpoint.breaker.recordFailure();
        failed.add(endpoint);
        lastError = failure;
      }
    }
    throw exhausted(failed, lastError);
  };

  const generate = async (request: GenerateOptions): Promise<GenerateResult> => {
    const startedAt = performance.now();
    return withFailover(request.signal, async (endpoint, model) => {
      const http = await openChat(endpoint, requestBody(model, request, false), request.signal);
      let body: string;
      try {
        body = await http.text();
      } finally {
        http.abort();
      }
      let parsed: z.infer<typeof chatCompletionSchema>;
      try {
        parsed = chatCompletionSchema.parse(JSON.parse(body));
      } catch (error) {
        throw new CairnError('UPSTREAM_FAILED', `The LLM server at ${endpoint.baseUrl} sent an unexpected completion: ${upstreamErrorMessage(body)}`, {
          cause: error,
          retryable: true,
          hint: 'The server must speak the OpenAI chat-completions format.',
        });
      }
      const choice = parsed.choices[0];
      return {
        text: choice?.message?.content ?? choice?.text ?? '',
        finishReason: choice?.finish_reason ?? 'stop',
        usage: toUsage(parsed.usage),
        endpoint: endpoint.baseUrl,
        timings: { totalMs: performance.now() - startedAt },
      };
    });
  };

  async function* stream(request: GenerateOptions): AsyncGenerator<GenerateStreamPart, void, undefined> {
    const startedAt = performance.now();
    const failed = new Set<Endpoint>();
    let lastError: CairnError | undefined;
    for (let tries = 0; tries <= options.retries; tries += 1) {
      const endpoint = pool.acquire(failed);
      if (!endpoint) throw unavailable(lastError);
      let settled = false;
      let textStarted = false;
      let http: TimedRequest | undefined;
      try {
        if (failed.has(endpoint)) await backoff(tries - 1, request.signal);
        const model = await ensureModel(endpoint, request.signal);
        http = await openChat(endpoint, requestBody(model, request, true), request.signal);
        let deltas = 0;
        let firstAt = 0;
        let lastAt = 0;
        let finishReason: string | undefined;
        let usage: Usage = {};
        for await (const event of chatStreamEvents(http, endpoint.baseUrl)) {
          if (event.type === 'finish-reason') finishReason = event.reason;
          else if (event.type === 'usage') usage = { ...usage, ...event.usage };
          else {
            const at = performance.now();
            if (!textStarted) {
              textStarted = true;
              firstAt = at;
              yield { type: 'start', endpoint: endpoint.baseUrl, model };
            }
            deltas += 1;
            lastAt = at;
            yield { type: 'text-delta', text: event.text };
          }
        }
        settled = true;
        endpoint.breaker.recordSuccess();
        if (!textStarted) yield { type: 'start', endpoint: endpoint.baseUrl, model };
        const endedAt = performance.now();
        yield {
          type: 'finish',
          finishReason: finishReason ?? 'stop',
          usage,
          timings: streamTimings(startedAt, textStarted ? firstAt : endedAt, textStarted ? lastAt : endedAt, endedAt, usage, deltas),
        };
        return;
      } catch (error) {
        const failure = asCairnError(error);
        settled = true;
        if (failure.code === 'ABORTED' || !failure.retryable) endpoint.breaker.release();
        else endpoint.breaker.recordFailure();
        if (textStarted) {
          yield { type: 'error', error: { code: failure.code, message: failure.message, retryable: failure.retryable } };
          return;
        }
        if (failure.code === 'ABORTED' || !failure.retryable) throw failure;
        failed.add(endpoint);
        lastError = failure;
      } finally {
        http?.abort();
        // The consumer left early (return() at a yield): the endpoint served text, so it counts as healthy.
        if (!settled) {
          if (textStarted) endpoint.breaker.recordSuccess();
          else endpoint.breaker.release();
        }
      }
    }
    throw exhausted(failed, lastError);
  }

  return {
    get id() {
      return `openai:${options.urls.join(',')}#${modelName ?? ''}`;
    },
    /** Empty until the first request when the model was not named and the server was not asked yet. */
    get model() {
      return modelName ?? '';
    },
    contextWindow: options.contextWindow,
    generate,
    stream,
    endpoints: () => pool.statuses(),
  };
}

/**
 * Decode rate counts the tokens after the first over the time from the first to the last delta, since
 * the first token's time is the TTFT. Tokens come from the server's `completion_tokens` when reported
 * (a delta may carry several tokens), otherwise from counting deltas.
 */
function streamTimings(startedAt: number, firstAt: number, lastAt: number, endedAt: number, usage: Usage, deltas: number): StreamTimings {
  const tokensFromUsage = usage.completionTokens !== undefined;
  const tokens = usage.completionTokens ?? deltas;
  const decodeMs = lastAt - firstAt;
  return {
    ttftMs: firstAt - startedAt,
    decodeMs,
    totalMs: endedAt - startedAt,
    tokensPerSecond: decodeMs > 0 && tokens > 1 ? (tokens - 1) / (decodeMs / 1000) : 0,
    tokensFromUsage,
  };
}

function asCairnError(error: unknown): CairnError {
  if (error instanceof CairnError) return error;
  return new CairnError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
}
