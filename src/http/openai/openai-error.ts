import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isCairnError } from '../../core/cairn-error.js';
import { problemFromError } from '../problem-details.js';

/** OpenAI's error body: what its SDKs and the tools built on them parse. */
export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export const openAiErrorSchema = z
  .object({ error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }) })
  .describe("OpenAI's error shape; `code` is OpenAI's (invalid_api_key, model_not_found, rate_limit_exceeded) or Cairn's in lower case");

/** The `code` OpenAI itself uses for a Cairn error code, where it has one; else the Cairn code in lower case. */
const OPENAI_CODES: Partial<Record<string, string>> = {
  UNAUTHENTICATED: 'invalid_api_key',
  MODEL_NOT_FOUND: 'model_not_found',
  RATE_LIMITED: 'rate_limit_exceeded',
};

function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/**
 * Any error of an OpenAI-compatible route as OpenAI's error shape, with the status the rest of the
 * API would answer (docs/errors.md). The message carries Cairn's hint; `param` names the offending
 * request field where known (schema validation, or `details.param` of a CairnError).
 */
export function openAiErrorFrom(error: unknown, instance?: string): { status: number; body: OpenAiErrorBody } {
  const problem = problemFromError(error, instance);
  const issues = Array.isArray(problem.issues) ? (problem.issues as { path?: unknown }[]) : [];
  const issuePath = typeof issues[0]?.path === 'string' && issues[0].path !== '' ? issues[0].path : null;
  const detailParam = isCairnError(error) && typeof error.details.param === 'string' ? error.details.param : null;
  return {
    status: problem.status,
    body: {
      error: {
        message: problem.hint ? `${problem.detail} ${problem.hint}` : problem.detail,
        type: typeOf(problem.status),
        param: detailParam ?? issuePath,
        code: OPENAI_CODES[problem.code] ?? problem.code.toLowerCase(),
      },
    },
  };
}

/**
 * Makes every error of the routes in `scope` (the auth hook's 401/403, rate limits, schema
 * validation, use-case errors) answer in OpenAI's shape instead of problem+json.
 */
export function useOpenAiErrors(scope: FastifyInstance): void {
  scope.setErrorHandler((error, request, reply) => {
    const { status, body } = openAiErrorFrom(error, request.url);
    if (status >= 500) request.log.error({ err: error }, body.error.message);
    else request.log.info({ code: body.error.code }, body.error.message);
    if (reply.sent || reply.raw.headersSent) return;
    if (isCairnError(error) && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
    void reply.status(status).type('application/json; charset=utf-8').send(body);
  });
}
