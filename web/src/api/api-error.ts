/** An HTTP failure in the shape of the server's problem+json (RFC 9457 with Cairn's code and hint). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly hint?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** Reads a failed response: problem+json when the server sent one, else its status and text. */
export async function apiErrorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('retry-after'));
  const retry = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: unknown; detail?: unknown; hint?: unknown; title?: unknown };
    if (typeof body.detail === 'string' || typeof body.title === 'string') {
      return new ApiError(
        response.status,
        typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
        typeof body.detail === 'string' ? body.detail : String(body.title),
        typeof body.hint === 'string' ? body.hint : undefined,
        retry,
      );
    }
  } catch {
    // not JSON: fall through to the plain text
  }
  return new ApiError(response.status, `HTTP_${response.status}`, text.trim().slice(0, 300) || `The server answered ${response.status} ${response.statusText}.`, undefined, retry);
}

/** Any thrown value as an ApiError (network failures included), for showing to the person. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof Error && error.name === 'AbortError') return new ApiError(0, 'ABORTED', 'Stopped.');
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, 'NETWORK', `The server could not be reached: ${message}`, 'Check that cairn serve is running and reload the page.');
}
