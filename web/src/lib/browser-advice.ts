import type { ApiError } from '../api/api-error.js';

/**
 * The hint to show for a failed call in the browser. The server's hints are written for API and CLI
 * users (`cairn keys create`, `GET /v1/collections`, `--scope`); a person in the web UI needs what to
 * do here instead. Codes with a browser answer get it; other hints are kept unless they speak of
 * commands, routes or flags, which are dropped rather than shown.
 */
export function browserAdvice(problem: Pick<ApiError, 'code' | 'hint' | 'retryAfterSeconds'>): string | undefined {
  switch (problem.code) {
    case 'UNAUTHENTICATED':
      return 'Log in again with a valid API key; an administrator can create one under Settings → API keys.';
    case 'FORBIDDEN':
      return 'Your API key’s scope does not allow this. Ask an administrator for a key with more scope (Settings → API keys).';
    case 'COLLECTION_NOT_FOUND':
      return 'Pick an existing collection in the Collection box, or create one under Settings → Collections.';
    case 'CHAT_SESSION_NOT_FOUND':
      return 'Choose another chat from the list, or start a new chat.';
    case 'DOCUMENT_NOT_FOUND':
      return 'The document may have been deleted or re-ingested; open it again from the Documents list.';
    case 'PATH_NOT_ALLOWED':
      return 'The server reads paths only inside the folders its administrator allowed; upload the files instead.';
    case 'ADDRESS_NOT_ALLOWED':
      return 'The server refuses git hosts on private networks; use a public repository URL, or ask the administrator.';
    case 'RATE_LIMITED':
      return problem.retryAfterSeconds ? `Wait ${Math.ceil(problem.retryAfterSeconds)} s, then try again.` : 'Wait a moment, then try again.';
    case 'BENCHMARK_RUNNING':
      return 'Wait for the running benchmark to finish, then try again.';
    case 'QUEUE_FULL':
      return 'Many ingestion jobs are waiting; try again in a while, or send many files in one upload.';
    default:
      return problem.hint && !speaksOfCommands(problem.hint) ? problem.hint : undefined;
  }
}

/** Whether a hint names a CLI command, an HTTP route, an environment variable or a flag. */
export function speaksOfCommands(hint: string): boolean {
  return /`cairn |\bcurl\b|\b(GET|POST|PATCH|PUT|DELETE) \/v1\b|\bCAIRN_[A-Z_]+|(^|\s)--[a-z]/.test(hint);
}
