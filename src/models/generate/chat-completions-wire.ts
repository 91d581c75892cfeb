import { z } from 'zod';
import { CairnError } from '../../core/cairn-error.js';
import type { Usage } from './language-model.js';
import { bodyExcerpt } from '../http/http-error-text.js';

/*
 * Small tolerant schemas of the OpenAI chat-completions wire format. Servers differ (vLLM, llama.cpp
 * server, Ollama, NIM, LM Studio): extra fields pass through, nullable and missing fields are both
 * accepted, and only what Cairn uses is checked.
 */

const usageSchema = z
  .object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() })
  .loose();

const errorSchema = z.union([z.string(), z.object({ message: z.string().nullish() }).loose()]);

/** One `data:` payload of a streamed response (`chat.completion.chunk`, or an error object). */
export const chatChunkSchema = z
  .object({
    model: z.string().nullish(),
    choices: z
      .array(
        z
          .object({
            delta: z.object({ content: z.string().nullish() }).loose().nullish(),
            /** Legacy completions-style chunks (some llama.cpp builds). */
            text: z.string().nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .nullish(),
    usage: usageSchema.nullish(),
    error: errorSchema.nullish(),
  })
  .loose();

/** A non-streamed `chat.completion`. */
export const chatCompletionSchema = z
  .object({
    model: z.string().nullish(),
    choices: z
      .array(
        z
          .object({
            message: z.object({ content: z.string().nullish() }).loose().nullish(),
            text: z.string().nullish(),
            finish_reason: z.string().nullish(),
          })
          .loose(),
      )
      .min(1),
    usage: usageSchema.nullish(),
  })
  .loose();

/** `GET /models`: `{ data: [{ id }] }`. */
export const modelListSchema = z.object({ data: z.array(z.object({ id: z.string().min(1) }).loose()) }).loose();

export function toUsage(usage: z.infer<typeof usageSchema> | null | undefined): Usage {
  const result: Usage = {};
  if (typeof usage?.prompt_tokens === 'number') result.promptTokens = usage.prompt_tokens;
  if (typeof usage?.completion_tokens === 'number') result.completionTokens = usage.completion_tokens;
  return result;
}

export function errorText(error: z.infer<typeof errorSchema> | null | undefined): string {
  if (typeof error === 'string') return error;
  return error?.message ?? 'unknown error';
}

/** The server's own words from an error body (`{error:{message}}`, `{error:"..."}`, `{message}`, `{detail}`), else a short excerpt. */
export function upstreamErrorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (parsed.error && typeof (parsed.error as { message?: unknown }).message === 'string') return (parsed.error as { message: string }).message;
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.detail === 'string') return parsed.detail;
  } catch {
    // not JSON: fall through to the excerpt
  }
  return bodyExcerpt(body);
}

/**
 * Maps an HTTP error status to a CairnError. 408, 429 and 5xx are the server's trouble and retryable;
 * 400, 413 and 422 mean the request itself was refused (INPUT_INVALID); other 4xx are UPSTREAM_FAILED
 * without retry (wrong key, wrong URL, unknown model).
 */
export function statusError(url: string, status: number, body: string): CairnError {
  const message = `The LLM server at ${url} answered HTTP ${status}: ${upstreamErrorMessage(body)}`;
  const details = { status, url };
  if (status === 408 || status === 429 || status >= 500) {
    return new CairnError('UPSTREAM_FAILED', message, {
      retryable: true,
      details,
      hint: status === 429 ? 'The server is rate-limiting; retry later or add endpoints to CAIRN_LLM_URL.' : "Check the server's logs.",
    });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new CairnError('INPUT_INVALID', message, {
      details,
      hint: 'The prompt may exceed the model context: lower llm.contextWindow to what the server really serves, or ask a shorter question.',
    });
  }
  const hint =
    status === 401 || status === 403
      ? 'Set CAIRN_LLM_API_KEY to a key the server accepts.'
      : status === 404
        ? 'Check CAIRN_LLM_URL (the base up to /v1) and CAIRN_LLM_MODEL (a name the server lists at /v1/models).'
        : "Check the request settings and the server's logs.";
  return new CairnError('UPSTREAM_FAILED', message, { details, hint });
}
