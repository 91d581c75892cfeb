/**
 * Text for errors of the OpenAI-compatible HTTP clients (chat completions, embeddings, rerank): one
 * place so that every server error reads the same way.
 */

/** At most 300 characters of a response body, whitespace folded; `(empty body)` when there is none. */
export function bodyExcerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat || '(empty body)';
}

/** Why a fetch failed: undici puts the system error (`ECONNREFUSED`, `ENOTFOUND`) in `cause`. */
export function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    if (cause && typeof cause.code === 'string') return cause.code;
    if (cause && typeof cause.message === 'string') return cause.message;
    return error.message;
  }
  return String(error);
}
