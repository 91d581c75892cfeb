import { z } from 'zod';
import { CairnError } from '../../core/cairn-error.js';
import type { TokenCounter } from '../tokenize/token-counter.js';
import { estimateTokenCounter } from '../tokenize/estimate-token-counter.js';
import type { Embedder, EmbedOptions, EmbedResult } from './embedder.js';
import { l2NormalizeInPlace } from './l2-normalize.js';
import { bodyExcerpt, describeFetchError } from '../http/http-error-text.js';

export interface OpenAiEmbedderOptions {
  id: string;
  /** Up to and including the version segment: `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Texts per request. Default 64. */
  maxBatchSize?: number;
  /** Per request. Default 60,000 ms. */
  timeoutMs?: number;
  /** The server's input limit in tokens, when known. Default 512. */
  maxTokens?: number;
  tokenizer?: TokenCounter;
  fetch?: typeof fetch;
}

/** Tolerant: servers differ in extra fields (object, model, usage details); only index and embedding matter. */
const responseSchema = z.object({
  data: z
    .array(z.object({ index: z.number().int().nonnegative().optional(), embedding: z.array(z.number()) }).loose())
    .min(1),
  usage: z.object({ prompt_tokens: z.number().optional(), total_tokens: z.number().optional() }).loose().optional(),
}).loose();

/**
 * An OpenAI-compatible `/embeddings` endpoint (OpenAI, vLLM, TEI, Ollama, NIM). Requests carry
 * `{ model, input: string[] }`; vectors are reordered by `index`, checked for one dimension and
 * L2-normalised. The dimension is learnt by embedding a probe text when the embedder is created.
 */
export async function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Promise<Embedder> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
  const maxBatchSize = options.maxBatchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let dimensions = 0;

  const request = async (input: string[], signal?: AbortSignal): Promise<{ vectors: Float32Array[]; tokens?: number }> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    let response: Response;
    try {
      // No redirects: one would reach a host the operator did not configure.
      response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify({ model: options.model, input }), redirect: 'error', signal: combined });
    } catch (error) {
      if (signal?.aborted) throw new CairnError('ABORTED', 'The embedding request was cancelled.', { cause: error });
      const why = timeout.aborted ? `no answer within ${timeoutMs} ms` : describeFetchError(error);
      throw new CairnError('UPSTREAM_FAILED', `The embedding server at ${url} could not be reached: ${why}.`, {
        cause: error,
        retryable: true,
        hint: 'Check that the server runs and the URL in CAIRN_EMBEDDER (openai:<base-url>#<model>) is right.',
      });
    }
    const body = await response.text();
    if (!response.ok) {
      throw new CairnError('UPSTREAM_FAILED', `The embedding server at ${url} answered HTTP ${response.status}: ${bodyExcerpt(body)}`, {
        retryable: response.status === 429 || response.status >= 500,
        hint:
          response.status === 401 || response.status === 403
            ? 'Set CAIRN_EMBEDDER_API_KEY to a valid key (it is sent to the base URL of CAIRN_EMBEDDER only), or list this server with its key in models.credentials.'
            : `Check the model name "${options.model}" and the server's logs.`,
        details: { status: response.status },
      });
    }
    let parsed: z.infer<typeof responseSchema>;
    try {
      parsed = responseSchema.parse(JSON.parse(body));
    } catch (error) {
      throw new CairnError('UPSTREAM_FAILED', `The embedding server at ${url} sent an unexpected body: ${bodyExcerpt(body)}`, {
        cause: error,
        hint: 'The server must speak the OpenAI embeddings format ({ data: [{ index, embedding }] }).',
      });
    }
    if (parsed.data.length !== input.length) {
      throw new CairnError('UPSTREAM_FAILED', `The embedding server returned ${parsed.data.length} vectors for ${input.length} inputs.`, {
        hint: 'Lower the batch size or check the server.',
      });
    }
    const vectors: Float32Array[] = new Array(input.length);
    parsed.data.forEach((item, position) => {
      const index = item.index ?? position;
      if (index >= input.length || vectors[index]) {
        throw new CairnError('UPSTREAM_FAILED', `The embedding server returned a bad or repeated index ${index}.`, {
          hint: 'Check the server; indexes must cover 0..n-1 once each.',
        });
      }
      vectors[index] = l2NormalizeInPlace(Float32Array.from(item.embedding));
    });
    const width = dimensions || (vectors[0]?.length ?? 0);
    if (width === 0 || vectors.some((vector) => vector.length !== width)) {
      throw new CairnError('UPSTREAM_FAILED', `The embedding server returned vectors of varying or zero length (expected ${width}).`, {
        hint: `Check that "${options.model}" is an embedding model.`,
      });
    }
    return { vectors, tokens: parsed.usage?.prompt_tokens ?? parsed.usage?.total_tokens };
  };

  const embed = async ({ texts, signal }: EmbedOptions): Promise<EmbedResult> => {
    const vectors: Float32Array[] = [];
    let tokens: number | undefined = 0;
    for (let start = 0; start < texts.length; start += maxBatchSize) {
      const result = await request(texts.slice(start, start + maxBatchSize), signal);
      vectors.push(...result.vectors);
      tokens = tokens === undefined || result.tokens === undefined ? undefined : tokens + result.tokens;
    }
    return { vectors, tokens };
  };

  const probe = await request(['dimension probe']);
  dimensions = probe.vectors[0]?.length ?? 0;

  return {
    id: options.id,
    dimensions,
    maxTokens: options.maxTokens ?? 512,
    maxBatchSize,
    tokenizer: options.tokenizer ?? estimateTokenCounter,
    embed,
    embedQuery: async (text: string, signal?: AbortSignal) => (await request([text], signal)).vectors[0] as Float32Array,
  };
}
