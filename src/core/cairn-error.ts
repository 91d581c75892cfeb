/**
 * The one error type Cairn throws on purpose. `code` is stable (see docs/errors.md) and is what
 * adapters map to an exit code, an HTTP status or an MCP tool error; `hint` tells the user what to do.
 */
export type ErrorCode =
  // configuration and input
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'NOT_FOUND'
  | 'COLLECTION_NOT_FOUND'
  | 'COLLECTION_EXISTS'
  | 'DOCUMENT_NOT_FOUND'
  | 'ORIGINAL_UNAVAILABLE'
  | 'EMBEDDER_MISMATCH'
  | 'EMBEDDER_UNAVAILABLE'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_NOT_ALLOWED'
  | 'DENSE_UNAVAILABLE'
  // access to the HTTP API
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  // operations
  | 'BENCHMARK_RUNNING'
  // backups
  | 'BACKUP_NOT_FOUND'
  | 'BACKUP_CORRUPT'
  | 'BACKUP_INCOMPATIBLE'
  | 'BACKUP_RUNNING'
  | 'BACKUP_TARGET_NOT_EMPTY'
  | 'BACKUP_TARGET_IN_USE'
  | 'BACKUP_TOOL_MISSING'
  | 'PORT_UNAVAILABLE'
  // sources
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_UNREADABLE'
  | 'GIT_FAILED'
  | 'PATH_NOT_ALLOWED'
  | 'ADDRESS_NOT_ALLOWED'
  // web crawls
  | 'CRAWL_FAILED'
  | 'FETCH_FAILED'
  | 'ROBOTS_DISALLOWED'
  // ingestion jobs
  | 'JOB_NOT_FOUND'
  | 'UPLOAD_TOO_LARGE'
  | 'QUEUE_FULL'
  // chat sessions and memories
  | 'CHAT_SESSION_NOT_FOUND'
  | 'MEMORY_NOT_FOUND'
  // parsing (one per reason a file is skipped)
  | 'PARSE_ENCRYPTED'
  | 'PARSE_CORRUPT'
  | 'PARSE_EMPTY'
  | 'PARSE_NO_TEXT'
  | 'PARSE_UNSUPPORTED'
  | 'PARSE_TOO_LARGE'
  | 'PARSE_BOMB'
  | 'PARSE_FAILED'
  // backends
  | 'STORE_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'STORE_MISCONFIGURED'
  | 'VECTOR_STORE_UNAVAILABLE'
  | 'VECTOR_STORE_UNAUTHORIZED'
  | 'VECTOR_STORE_FAILED'
  | 'DB_COPY_INCOMPLETE'
  | 'UPSTREAM_FAILED'
  | 'UPSTREAM_TIMEOUT'
  | 'LLM_UNAVAILABLE'
  | 'RERANKER_UNAVAILABLE'
  | 'ABORTED'
  | 'INTERNAL';

export interface CairnErrorOptions {
  cause?: unknown;
  hint?: string;
  retryable?: boolean;
  /** When a retry can succeed, in seconds; the HTTP API sends it as `Retry-After`. */
  retryAfterSeconds?: number;
  details?: Record<string, unknown>;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CairnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.details = options.details ?? {};
  }
}

export function isCairnError(error: unknown): error is CairnError {
  return error instanceof CairnError;
}

/** Wraps anything thrown into a CairnError, keeping a CairnError as it is. */
export function toCairnError(error: unknown, fallback: ErrorCode = 'INTERNAL'): CairnError {
  if (error instanceof CairnError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new CairnError('ABORTED', 'The operation was cancelled.', { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CairnError(fallback, message, { cause: error });
}
