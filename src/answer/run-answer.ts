import type { AnswerPart, AnswerTimings, Citation } from '../core/answer-types.js';
import { CairnError, toCairnError } from '../core/cairn-error.js';
import type { SearchFilter, SearchMode } from '../core/search-types.js';
import type { GenerateStreamPart, LanguageModel, StreamTimings, Usage } from '../models/generate/language-model.js';
import type { Reranker } from '../models/rerank/reranker.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import { buildContext, estimateLlmTokens } from '../retrieve/context/build-context.js';
import type { ContextChunk } from '../retrieve/context/merge-adjacent.js';
import { rerankCandidates } from '../retrieve/rerank/rerank-candidates.js';
import { runSearch, type SearchDeps } from '../retrieve/run-search.js';
import { extractCitations } from './cite/extract-citations.js';
import { extractiveAnswer, type ExtractiveReason } from './cite/extractive-answer.js';
import { groundedPrompt, type ChatTurn } from './prompt/grounded-prompt.js';

export interface AnswerDeps {
  search: SearchDeps;
  /** The collection's embedder tokenizer: the context budget is counted with it (see TOKEN_SAFETY_FACTOR). */
  tokenizer: TokenCounter;
  /** null: sources keep their retrieval order. */
  reranker: Reranker | null;
  /** null: extractive answer. */
  languageModel: LanguageModel | null;
}

export interface AnswerRequest {
  collection: string;
  question: string;
  /** Retrieval query when it differs from the question (a chat follow-up rewritten to stand alone). */
  retrievalQuery?: string;
  mode: SearchMode;
  /** Chunks retrieved before reranking (config answer.retrieveK). */
  retrieveK: number;
  /** Candidates per retrieval arm before fusion. */
  candidates: number;
  lexicalWeight: number;
  filter?: SearchFilter;
  rerank: { enabled: boolean; maxCandidates: number; batchSize: number };
  /** Sources at most in the context (config answer.sources). */
  maxSources: number;
  /** Used when the language model does not say (and for the extractive answer's budget). */
  contextWindow: number;
  maxAnswerTokens: number;
  temperature: number;
  /** Recent chat turns, oldest first, given to the model before the question. */
  history?: readonly ChatTurn[];
  /** Said to the user right after the sources (for example how a follow-up was rewritten). */
  notices?: readonly string[];
  signal?: AbortSignal;
}

/** Tokens kept free besides the counted ones: chat-template tokens per message and rounding. */
const PROMPT_MARGIN_TOKENS = 64;
const TEMPLATE_TOKENS_PER_MESSAGE = 8;

/**
 * retrieve → rerank → build context → prompt → stream. Parts: `sources` first, then `notice`s, then
 * `text-delta`s as the model sends them, then one `finish` (or one `error`). Failures before the
 * `sources` part (unknown collection, bad filter) are thrown, so adapters can answer with a status;
 * after it they arrive as an `error` part. With no language model, or when no endpoint answers
 * before the first token, the answer is extractive (never an error). A consumer that stops iterating
 * aborts the upstream request.
 */
export async function* runAnswer(deps: AnswerDeps, request: AnswerRequest): AsyncGenerator<AnswerPart, void, undefined> {
  const started = performance.now();
  const controller = new AbortController();
  const onAbort = () => controller.abort(request.signal?.reason);
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const notices: string[] = [...(request.notices ?? [])];
  const query = request.retrievalQuery ?? request.question;
  try {
    const retrieval = await runSearch(deps.search, {
      collection: request.collection, query, mode: request.mode, k: request.retrieveK,
      candidates: Math.max(request.candidates, request.retrieveK), lexicalWeight: request.lexicalWeight,
      ...(request.filter ? { filter: request.filter } : {}), signal,
    });
    const retrievalMs = performance.now() - started;
    notices.push(...retrieval.notices);

    const rerankStarted = performance.now();
    let candidates: ContextChunk[] = retrieval.results;
    let rerankMs = 0;
    if (request.rerank.enabled && candidates.length > 0) {
      if (deps.reranker === null) {
        notices.push('No reranker is available; sources keep their retrieval order.');
      } else {
        try {
          const reranked = await rerankCandidates(deps.reranker, query, candidates, {
            maxCandidates: request.rerank.maxCandidates, batchSize: request.rerank.batchSize, signal,
          });
          candidates = reranked.results;
          rerankMs = performance.now() - rerankStarted;
        } catch (error) {
          const failure = toCairnError(error);
          if (failure.code === 'ABORTED' || signal.aborted) throw failure;
          notices.push(`Reranking failed (${failure.message}); sources keep their retrieval order.`);
        }
      }
    }

    const contextStarted = performance.now();
    const model = deps.languageModel;
    const contextWindow = model?.contextWindow || request.contextWindow;
    const history = request.history ?? [];
    const frame = groundedPrompt({ question: request.question, sourcesText: '', history });
    const frameTokens = frame.reduce((sum, message) => sum + estimateLlmTokens(deps.tokenizer, message.content) + TEMPLATE_TOKENS_PER_MESSAGE, 0);
    const budgetTokens = Math.max(0, contextWindow - request.maxAnswerTokens - frameTokens - PROMPT_MARGIN_TOKENS);
    const context = buildContext(candidates, { tokenizer: deps.tokenizer, budgetTokens, maxSources: request.maxSources });
    const contextMs = performance.now() - contextStarted;
    const timings: AnswerTimings = { retrievalMs, rerankMs, contextMs, preparationMs: 0, totalMs: 0 };

    yield { type: 'sources', citations: context.citations };
    for (const text of notices) yield { type: 'notice', text };

    const extractive = (reason: ExtractiveReason): AnswerPart[] => {
      const answer = extractiveAnswer(request.question, context.citations, { reason, maxPassages: 5 });
      timings.totalMs = performance.now() - started;
      return [
        { type: 'text-delta', text: answer },
        { type: 'finish', answer, extractive: true, citations: extractCitations(answer, context.citations), finishReason: 'extractive', timings },
      ];
    };

    if (model === null) {
      timings.preparationMs = performance.now() - started;
      yield* extractive('no-model');
      return;
    }

    const messages = groundedPrompt({ question: request.question, sourcesText: context.promptText, history });
    timings.preparationMs = performance.now() - started;
    let answer = '';
    let endpoint: string | undefined;
    let modelName: string | undefined;
    let finish: { finishReason: string; usage: Usage; timings: StreamTimings } | undefined;
    let failure: CairnError | undefined;
    try {
      const stream = model.stream({ messages, maxTokens: request.maxAnswerTokens, temperature: request.temperature, signal });
      for await (const part of stream as AsyncIterable<GenerateStreamPart>) {
        if (part.type === 'start') {
          endpoint = part.endpoint;
          modelName = part.model;
        } else if (part.type === 'text-delta') {
          if (part.text.length === 0) continue;
          if (answer.length === 0) timings.ttftMs = performance.now() - started;
          answer += part.text;
          yield { type: 'text-delta', text: part.text };
        } else if (part.type === 'finish') {
          finish = part;
        } else {
          failure = new CairnError(part.error.code as CairnError['code'], part.error.message, { retryable: part.error.retryable });
          break;
        }
      }
    } catch (error) {
      failure = toCairnError(error);
    }
    if (signal.aborted) failure = new CairnError('ABORTED', 'The answer was cancelled.', { cause: signal.reason });
    if (failure && answer.length === 0 && isUnavailable(failure)) {
      yield { type: 'notice', text: `${failure.message} Answering with the most relevant passages instead.` };
      yield* extractive('unreachable');
      return;
    }
    if (failure) {
      yield { type: 'error', error: { code: failure.code, message: failure.message, retryable: failure.retryable } };
      return;
    }
    timings.totalMs = performance.now() - started;
    if (finish) {
      timings.decodeMs = finish.timings.decodeMs;
      timings.tokensPerSecond = finish.timings.tokensPerSecond;
      if (finish.usage.promptTokens !== undefined) timings.promptTokens = finish.usage.promptTokens;
      if (finish.usage.completionTokens !== undefined) timings.completionTokens = finish.usage.completionTokens;
    }
    yield {
      type: 'finish', answer, extractive: false, citations: extractCitations(answer, context.citations),
      finishReason: finish?.finishReason ?? 'unknown', ...(modelName ? { model: modelName } : {}), ...(endpoint ? { endpoint } : {}), timings,
    };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    // Reached early when the consumer stops iterating: aborting cancels the upstream request.
    controller.abort();
  }
}

/**
 * Before the first token, LLM_UNAVAILABLE (every breaker open) and any retryable failure (refused,
 * reset, timed out, 5xx after the client's own retries and failover) mean "no language model now":
 * the answer falls back to the passages. Non-retryable failures (a rejected request) are errors.
 */
function isUnavailable(failure: CairnError): boolean {
  return failure.code === 'LLM_UNAVAILABLE' || (failure.retryable && failure.code !== 'ABORTED');
}

/** The citations of the `sources` part of a finished answer stream, for adapters that collect parts. */
export function sourcesOf(parts: readonly AnswerPart[]): Citation[] {
  const part = parts.find((p) => p.type === 'sources');
  return part?.type === 'sources' ? part.citations : [];
}
