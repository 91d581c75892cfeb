import { CairnError } from '../../core/cairn-error.js';
import { describeFetchError } from '../http/http-error-text.js';

export interface TimedRequestOptions {
  fetch: typeof fetch;
  url: string;
  init: RequestInit;
  /** No response headers within this many ms → UPSTREAM_TIMEOUT. */
  connectTimeoutMs: number;
  /** No body bytes within this many ms of asking for the next chunk → UPSTREAM_TIMEOUT. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
}

/** An HTTP response whose body is read chunk by chunk under an idle timeout. */
export interface TimedRequest {
  readonly response: Response;
  /** The next body chunk, or null at the end. Rejects with a CairnError (UPSTREAM_TIMEOUT, UPSTREAM_FAILED, ABORTED). */
  read(): Promise<Uint8Array | null>;
  /** The rest of the body as text. */
  text(): Promise<string>;
  /** Ends the request (closing the connection when the body is unread) and detaches from the caller's signal. */
  abort(): void;
}

/**
 * One HTTP request with the two timeouts of an LLM call: connect (until response headers) and idle
 * (silence between body chunks, measured only while the caller waits in `read`, so a slow consumer is
 * never mistaken for a silent server). The caller's `signal` aborts the request at any point; the
 * connection is then closed, which is how a server learns that nobody listens any more.
 * Every failure is a CairnError: ABORTED (the caller cancelled), UPSTREAM_TIMEOUT (retryable) or
 * UPSTREAM_FAILED (retryable: refused, reset, terminated mid-body).
 */
export async function openTimedRequest(options: TimedRequestOptions): Promise<TimedRequest> {
  const controller = new AbortController();
  let timedOut: 'connect' | 'idle' | undefined;
  const onCallerAbort = (): void => controller.abort(options.signal?.reason);
  const detach = (): void => options.signal?.removeEventListener('abort', onCallerAbort);

  const classify = (error: unknown): CairnError => {
    if (error instanceof CairnError) return error;
    if (options.signal?.aborted) return new CairnError('ABORTED', 'The language-model request was cancelled.', { cause: error });
    if (timedOut === 'connect') {
      return new CairnError('UPSTREAM_TIMEOUT', `The LLM server at ${options.url} sent no response within ${options.connectTimeoutMs} ms.`, {
        cause: error,
        retryable: true,
        hint: 'Check that the server runs and is not overloaded, or raise llm.connectTimeoutMs.',
      });
    }
    if (timedOut === 'idle') {
      return new CairnError('UPSTREAM_TIMEOUT', `The LLM server at ${options.url} went silent for ${options.idleTimeoutMs} ms.`, {
        cause: error,
        retryable: true,
        hint: 'The server may be overloaded or stuck; check its logs, or raise llm.idleTimeoutMs for slow models.',
      });
    }
    return new CairnError('UPSTREAM_FAILED', `The LLM server at ${options.url} could not be reached or dropped the connection: ${describeFetchError(error)}.`, {
      cause: error,
      retryable: true,
      hint: 'Check that the server runs and that CAIRN_LLM_URL points at it (for example http://127.0.0.1:8000/v1).',
    });
  };

  if (options.signal?.aborted) throw new CairnError('ABORTED', 'The language-model request was cancelled.', { cause: options.signal.reason });
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });

  let timer = setTimeout(() => {
    timedOut = 'connect';
    controller.abort();
  }, options.connectTimeoutMs);
  let response: Response;
  try {
    // Model servers do not redirect; following one would reach a host the operator did not configure.
    response = await options.fetch(options.url, { ...options.init, redirect: 'error', signal: controller.signal });
  } catch (error) {
    detach();
    throw classify(error);
  } finally {
    clearTimeout(timer);
  }

  const reader = response.body?.getReader();
  const read = async (): Promise<Uint8Array | null> => {
    if (!reader) return null;
    timer = setTimeout(() => {
      timedOut = 'idle';
      controller.abort();
    }, options.idleTimeoutMs);
    try {
      const { done, value } = await reader.read();
      return done ? null : value;
    } catch (error) {
      throw classify(error);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    response,
    read,
    text: async () => {
      const decoder = new TextDecoder();
      let text = '';
      for (let bytes = await read(); bytes !== null; bytes = await read()) text += decoder.decode(bytes, { stream: true });
      return text + decoder.decode();
    },
    abort: () => {
      detach();
      clearTimeout(timer);
      controller.abort();
    },
  };
}
