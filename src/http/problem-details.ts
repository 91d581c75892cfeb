import type { FastifyError } from 'fastify';
import { CairnError, toCairnError, type ErrorCode } from '../core/cairn-error.js';

/** HTTP status of each error code: the table in docs/errors.md. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  INPUT_INVALID: 400,
  NOT_FOUND: 404,
  COLLECTION_NOT_FOUND: 404,
  COLLECTION_EXISTS: 409,
  DOCUMENT_NOT_FOUND: 404,
  ORIGINAL_UNAVAILABLE: 404,
  EMBEDDER_MISMATCH: 409,
  EMBEDDER_UNAVAILABLE: 503,
  MODEL_NOT_FOUND: 404,
  MODEL_NOT_ALLOWED: 403,
  DENSE_UNAVAILABLE: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  BENCHMARK_RUNNING: 409,
  BACKUP_NOT_FOUND: 404,
  BACKUP_CORRUPT: 422,
  BACKUP_INCOMPATIBLE: 422,
  BACKUP_RUNNING: 409,
  BACKUP_TARGET_NOT_EMPTY: 409,
  BACKUP_TARGET_IN_USE: 409,
  BACKUP_TOOL_MISSING: 500,
  PORT_UNAVAILABLE: 500,
  SOURCE_NOT_FOUND: 404,
  SOURCE_UNREADABLE: 403,
  GIT_FAILED: 502,
  PATH_NOT_ALLOWED: 403,
  ADDRESS_NOT_ALLOWED: 403,
  CRAWL_FAILED: 502,
  FETCH_FAILED: 502,
  ROBOTS_DISALLOWED: 403,
  JOB_NOT_FOUND: 404,
  UPLOAD_TOO_LARGE: 413,
  QUEUE_FULL: 429,
  CHAT_SESSION_NOT_FOUND: 404,
  MEMORY_NOT_FOUND: 404,
  PARSE_ENCRYPTED: 422,
  PARSE_CORRUPT: 422,
  PARSE_EMPTY: 422,
  PARSE_NO_TEXT: 422,
  PARSE_UNSUPPORTED: 415,
  PARSE_TOO_LARGE: 413,
  PARSE_BOMB: 422,
  PARSE_FAILED: 422,
  STORE_FAILED: 500,
  STORE_UNAVAILABLE: 503,
  STORE_MISCONFIGURED: 500,
  VECTOR_STORE_UNAVAILABLE: 503,
  VECTOR_STORE_UNAUTHORIZED: 502,
  VECTOR_STORE_FAILED: 502,
  DB_COPY_INCOMPLETE: 500,
  UPSTREAM_FAILED: 502,
  UPSTREAM_TIMEOUT: 504,
  LLM_UNAVAILABLE: 503,
  RERANKER_UNAVAILABLE: 503,
  ABORTED: 499,
  INTERNAL: 500,
};

export function httpStatusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

/** An RFC 9457 problem document, extended with Cairn's stable `code` and a `hint`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  hint?: string;
  instance?: string;
  issues?: unknown;
  /** COLLECTION_NOT_FOUND: the collections that exist, and the one the name most likely meant. */
  existing?: string[];
  suggestion?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemFromCairnError(error: CairnError, instance?: string): ProblemDetails {
  const status = httpStatusOf(error.code);
  return {
    type: `urn:cairn:error:${error.code}`,
    title: titleOf(error.code),
    status,
    detail: error.message,
    code: error.code,
    ...(error.hint ? { hint: error.hint } : {}),
    ...(instance ? { instance } : {}),
    ...(error.details.issues ? { issues: error.details.issues } : {}),
    ...(Array.isArray(error.details.existing) ? { existing: error.details.existing as string[] } : {}),
    ...(typeof error.details.suggestion === 'string' ? { suggestion: error.details.suggestion } : {}),
  };
}

/**
 * Any error thrown while answering a request → a problem document. Fastify's own client errors
 * (schema validation, malformed JSON, body too large, unsupported media type) keep their 4xx status
 * with the code INPUT_INVALID, so bad input never becomes a 500.
 */
export function problemFromError(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof CairnError) return problemFromCairnError(error, instance);
  const fastifyError = error as Partial<FastifyError> | undefined;
  if (fastifyError && Array.isArray(fastifyError.validation)) {
    const issues = fastifyError.validation.map((issue) => ({ path: issuePath(issue.instancePath, issue.params), message: issue.message ?? 'invalid' }));
    const first = issues[0];
    const where = `${fastifyError.validationContext ?? 'request'}${first?.path ? `.${first.path}` : ''}`;
    return {
      ...problemFromCairnError(
        new CairnError('INPUT_INVALID', `Invalid ${where}: ${first?.message ?? 'the request does not match its schema'}.`, {
          hint: 'See the request schema at /docs.',
          details: { issues },
        }),
        instance,
      ),
    };
  }
  const status = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'NOT_FOUND' : 'INPUT_INVALID';
    return {
      type: `urn:cairn:error:${code}`,
      title: titleOf(code),
      status,
      detail: fastifyError?.message ?? 'The request is invalid.',
      code,
      hint: hintForClientError(status),
      ...(instance ? { instance } : {}),
    };
  }
  return problemFromCairnError(toCairnError(error), instance);
}

function issuePath(instancePath: string | undefined, params: unknown): string {
  const path = (instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  if (path) return path;
  const issuePathParam = (params as { issue?: { path?: unknown[] } } | undefined)?.issue?.path;
  return Array.isArray(issuePathParam) ? issuePathParam.join('.') : '';
}

function hintForClientError(status: number): string {
  if (status === 413) return 'Send a smaller body (server.bodyLimitBytes).';
  if (status === 415) return 'Send JSON with `content-type: application/json`.';
  return 'Send valid JSON matching the request schema at /docs.';
}

function titleOf(code: ErrorCode): string {
  const words = code.toLowerCase().split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
