import { CairnError } from '../../core/cairn-error.js';
import type { z } from 'zod';
import { modelListSchema, statusError, upstreamErrorMessage } from './chat-completions-wire.js';
import { openTimedRequest } from './timed-request.js';

export interface ListModelsOptions {
  /** Base URL as configured, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  apiKey?: string;
  /** Applies to the headers and to the body. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ModelList {
  /** The base that answered: the configured one, or it with `/v1` appended (see `withVersionSegment`). */
  baseUrl: string;
  /** Model ids in the server's order. */
  ids: string[];
}

/** True when the base already ends in a version segment such as `/v1`. */
export function hasVersionSegment(baseUrl: string): boolean {
  return /\/v\d+$/.test(baseUrl.replace(/\/+$/, ''));
}

/**
 * The base-URL rule of the OpenAI adapter: a base is used as given (`<base>/models`,
 * `<base>/chat/completions`); when that answers 404 and the base has no version segment, `<base>/v1` is
 * tried once and, when it works, kept. So `http://host:8080`, `http://host:8080/v1` and
 * `https://api.example.com/openai/v1` all work.
 */
export function withVersionSegment(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v1`;
}

export function authorizationHeaders(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** `GET <base>/models` of an OpenAI-compatible server. Failures are CairnErrors (UPSTREAM_*, ABORTED). */
export async function listModels(options: ListModelsOptions): Promise<ModelList> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let baseUrl = options.baseUrl.replace(/\/+$/, '');
  for (let tries = 0; ; tries += 1) {
    const url = `${baseUrl}/models`;
    const request = await openTimedRequest({
      fetch: fetchImpl,
      url,
      init: { method: 'GET', headers: { accept: 'application/json', ...authorizationHeaders(options.apiKey) } },
      connectTimeoutMs: options.timeoutMs,
      idleTimeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    try {
      const body = await request.text();
      if (request.response.status === 404 && tries === 0 && !hasVersionSegment(baseUrl)) {
        baseUrl = withVersionSegment(baseUrl);
        continue;
      }
      if (!request.response.ok) throw statusError(url, request.response.status, body);
      let parsed: z.infer<typeof modelListSchema>;
      try {
        parsed = modelListSchema.parse(JSON.parse(body));
      } catch (error) {
        throw new CairnError('UPSTREAM_FAILED', `The server at ${url} did not answer with an OpenAI model list: ${upstreamErrorMessage(body)}`, {
          cause: error,
          hint: 'Point CAIRN_LLM_URL at an OpenAI-compatible base URL (it must serve /models and /chat/completions).',
        });
      }
      return { baseUrl, ids: parsed.data.map((model) => model.id) };
    } finally {
      request.abort();
    }
  }
}
