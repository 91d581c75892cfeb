import { z } from 'zod';
import { CairnError } from '../../core/cairn-error.js';
import { estimateTokenCounter } from '../tokenize/estimate-token-counter.js';
import type { Reranker, RerankOptions, RerankResult } from './reranker.js';
import { bodyExcerpt, describeFetchError } from '../http/http-error-text.js';

export interface HttpRerankerOptions {
  id: string;
  /** The reranker is at `<baseUrl>/rerank`: `http://127.0.0.1:8000/v1` (vLLM), `https://api.cohere.com/v2`, `http://127.0.0.1:8080` (TEI). */
  baseUrl: string;
  /** Sent as `model`; TEI serves one model and needs none. */
  model?: string;
  apiKey?: string;
  /** Documents per request. Default 32 (TEI's default `max_client_batch_size`). */
  maxBatchSize?: number;
  /** Per request, from sending to the end of the body. Default 30,000 ms. */
  timeoutMs?: number;
  /** For the probe request made when the reranker is created. Default 5,000 ms. */
  probeTimeoutMs?: number;
  /** The server's pair limit in tokens, when known. Default 512. */
  maxTokens?: number;
  fetch?: typeof fetch;
}

/**
 * Request shapes, tried in this order on the first request:
 * - `documents`: `{ model, query, documents, top_n }`, the vLLM, Jina and Cohere (v1 and v2) shape;
 * - `texts`: `{ query, texts, truncate: true }`, Hugging Face text-embeddings-inference (TEI).
 */
type RequestShape = 'documents' | 'texts';

const scoredItem = z
  .object({
    index: z.number().int().nonnegative(),
    relevance_score: z.number().optional(),
    score: z.number().optional(),
  })
  .loose();

/** vLLM / Jina / Cohere: `{ results: [{ index, relevance_score }] }`; TEI: `[{ index, score }]`; some proxies: `{ data: [...] }`. */
const responseSchema = z.union([
  z.array(scoredItem),
  z.object({ results: z.array(scoredItem) }).loose(),
  z.object({ data: z.array(scoredItem) }).loose(),
]);

/** Statuses with which a server rejects a request body it does not understand; the other shape is tried. */
const SHAPE_REJECTED = new Set([400, 404, 405, 415, 422]);

/**
 * A reranking server speaking the vLLM / Jina / Cohere or the TEI `/rerank` API. The first request
 * (a probe when the reranker is created) finds the shape the server accepts; later requests use it.
 * Scores are the server's (`relevance_score` or `score`), placed by `index`, in input order.
 * Errors: UPSTREAM_TIMEOUT when no complete answer arrives within `timeoutMs`, UPSTREAM_FAILED with the
 * status and a body excerpt otherwise, ABORTED when the caller's signal fires.
 */
export async function createHttpReranker(options: HttpRerankerOptions): Promise<Reranker> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/rerank`;
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 32);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let shape: RequestShape | null = null;

  const bodyFor = (which: RequestShape, query: string, documents: string[]): Record<string, unknown> =>
    which === 'documents'
      ? { ...(options.model === undefined ? {} : { model: options.model }), query, documents, top_n: documents.length }
      : { query, texts: documents, truncate: true };

  const post = async (which: RequestShape, query: string, documents: string[], limitMs: number, signal?: AbortSignal): Promise<{ status: number; body: string }> => {
    const timeout = AbortSignal.timeout(limitMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    try {
      // No redirects: one would reach a host the operator did not configure.
      const response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(bodyFor(which, query, documents)), redirect: 'error', signal: combined });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (signal?.aborted) throw new CairnError('ABORTED', 'The rerank request was cancelled.', { cause: error });
      if (timeout.aborted) {
        throw new CairnError('UPSTREAM_TIMEOUT', `The reranker at ${url} did not answer within ${limitMs} ms.`, {
          cause: error,
          retryable: true,
          hint: 'Check the reranking server, or set CAIRN_RERANKER=none to answer without reranking.',
        });
      }
      throw new CairnError('UPSTREAM_FAILED', `The reranker at ${url} could not be reached: ${describeFetchError(error)}.`, {
        cause: error,
        retryable: true,
        hint: 'Check that the server runs and the URL in CAIRN_RERANKER (http:<base-url>#<model>) is right.',
      });
    }
  };

  const request = async (query: string, documents: string[], limitMs: number, signal?: AbortSignal): Promise<number[]> => {
    const shapes: RequestShape[] = shape ? [shape] : ['documents', 'texts'];
    let answer: { status: number; body: string } | undefined;
    const statuses: number[] = [];
    for (const which of shapes) {
      answer = await post(which, query, documents, limitMs, signal);
      statuses.push(answer.status);
      if (answer.status >= 200 && answer.status < 300) {
        shape = which;
        return parseScores(answer.body, documents.length);
      }
      if (!SHAPE_REJECTED.has(answer.status)) break;
    }
    const status = answer?.status ?? 0;
    throw new CairnError('UPSTREAM_FAILED', `The reranker at ${url} answered HTTP ${statuses.join(', then ')}: ${bodyExcerpt(answer?.body ?? '')}`, {
      retryable: status === 429 || status >= 500,
      hint:
        status === 401 || status === 403
          ? 'The server refused the credentials: check the reranker API key.'
          : `Check the base URL (the reranker must answer POST <base>/rerank) and the model name "${options.model ?? '(none)'}".`,
      details: { status, url },
    });
  };

  const parseScores = (body: string, count: number): number[] => {
    let items: z.infer<typeof scoredItem>[];
    try {
      const parsed = responseSchema.parse(JSON.parse(body));
      const wrapped = parsed as { results?: z.infer<typeof scoredItem>[]; data?: z.infer<typeof scoredItem>[] };
      items = Array.isArray(parsed) ? parsed : (wrapped.results ?? wrapped.data ?? []);
    } catch (error) {
      throw new CairnError('UPSTREAM_FAILED', `The reranker at ${url} sent an unexpected body: ${bodyExcerpt(body)}`, {
        cause: error,
        hint: 'The server must answer { results: [{ index, relevance_score }] } (vLLM, Jina, Cohere) or [{ index, score }] (TEI).',
      });
    }
    const scores = new Array<number | undefined>(count).fill(undefined);
    for (const item of items) {
      const score = item.relevance_score ?? item.score;
      if (item.index >= count || scores[item.index] !== undefined || score === undefined) {
        throw new CairnError('UPSTREAM_FAILED', `The reranker at ${url} returned a bad, repeated or unscored index ${item.index} for ${count} documents.`, {
          hint: 'Check the server; each index 0..n-1 must come once with a score.',
        });
      }
      scores[item.index] = score;
    }
    const missing = scores.indexOf(undefined);
    if (missing >= 0) {
      throw new CairnError('UPSTREAM_FAILED', `The reranker at ${url} returned ${items.length} scores for ${count} documents (index ${missing} missing).`, {
        hint: 'The server may cap results (top_n); check its settings.',
      });
    }
    return scores as number[];
  };

  const rerank = async ({ query, documents, signal }: RerankOptions): Promise<RerankResult> => {
    const scores: number[] = [];
    for (let start = 0; start < documents.length; start += maxBatchSize) {
      scores.push(...(await request(query, documents.slice(start, start + maxBatchSize), timeoutMs, signal)));
    }
    return { scores };
  };

  await request('probe', ['probe'], options.probeTimeoutMs ?? 5_000);

  return {
    id: options.id,
    maxBatchSize,
    maxTokens: options.maxTokens ?? 512,
    tokenizer: estimateTokenCounter,
    rerank,
  };
}
