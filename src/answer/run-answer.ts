import type { AnswerPart, AnswerTimings } from '../core/answer-types.js';
import { type CairnError, toCairnError } from '../core/cairn-error.js';
import type { ScoredChunk, SearchFilter, SearchMode } from '../core/search-types.js';
import type { ChatMessage, LanguageModel } from '../models/generate/language-model.js';
import type { Reranker } from '../models/rerank/reranker.js';
import type { TokenCounter } from '../models/tokenize/token-counter.js';
import { buildContext, estimateLlmTokens } from '../retrieve/context/build-context.js';
import { fitNotes, noteCitations, type ContextNote } from '../retrieve/context/fit-notes.js';
import type { ContextChunk } from '../retrieve/context/merge-adjacent.js';
import { rerankCandidates } from '../retrieve/rerank/rerank-candidates.js';
import { runSearch, type SearchDeps } from '../retrieve/run-search.js';
import { topMatchScore } from '../retrieve/top-match-score.js';
import { extractCitations } from './cite/extract-citations.js';
import { extractiveAnswer, type ExtractiveReason } from './cite/extractive-answer.js';
import { streamGeneration } from './generate/stream-generation.js';
import { groundedPrompt, type ChatTurn } from './prompt/grounded-prompt.js';
import type { HybridFusion } from '../retrieve/fuse/fusion-types.js';

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
  fusion: HybridFusion;
  filter?: SearchFilter;
  /** `unavailableNotice`: what to say when reranking is wanted but there is no reranker (default: a generic sentence). */
  rerank: { enabled: boolean; maxCandidates: number; batchSize: number; unavailableNotice?: string };
  /** Sources at most in the context (config answer.sources). */
  maxSources: number;
  /** Used when the language model does not say (and for the extractive answer's budget). */
  contextWindow: number;
  maxAnswerTokens: number;
  temperature: number;
  /** Sequences that end the generated answer (not applied to an extractive one). */
  stop?: readonly string[];
  /** Recent chat turns, oldest first, given to the model before the question. */
  history?: readonly ChatTurn[];
  /**
   * Memories and earlier turns, most important first, given as numbered sources after the chunks
   * (citation kinds `memory` and `turn`). They may take `notesShare` of the sources' token budget;
   * what they leave goes to the chunks. Not used by the extractive answer's passages when they are turns.
   */
  notes?: readonly ContextNote[];
  notesShare?: number;
  /** Said to the user right after the sources (for example how a follow-up was rewritten). */
  notices?: readonly string[];
  signal?: AbortSignal;
}

/** `finishReason` of an extractive answer, saying why there was no generated one. */
export const EXTRACTIVE_FINISH_REASONS: Record<ExtractiveReason, string> = {
  'no-model': 'extractive:no-model',
  unreachable: 'extractive:unreachable',
};

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
      candidates: Math.max(request.candidates, request.retrieveK), fusion: request.fusion,
      ...(request.filter ? { filter: request.filter } : {}), signal,
    });
    const retrievalMs = performance.now() - started;
    notices.push(...retrieval.notices);

    const reranked = request.rerank.enabled ? await rerankStage(deps.reranker, query, retrieval.results, request.rerank, signal) : null;
    const candidates: ContextChunk[] = reranked?.candidates ?? retrieval.results;
    const rerankMs = reranked?.millis ?? 0;
    if (reranked?.notice) notices.push(reranked.notice);

    const contextStarted = performance.now();
    const model = deps.languageModel;
    const contextWindow = model?.contextWindow || request.contextWindow;
    const history = request.history ?? [];
    const frame = groundedPrompt({ question: request.question, sourcesText: '', history });
    const budgetTokens = sourcesBudget(deps.tokenizer, frame, contextWindow, request.maxAnswerTokens);
    const fitted = fitNotes(request.notes ?? [], { tokenizer: deps.tokenizer, budgetTokens: Math.floor(budgetTokens * (request.notesShare ?? 0)) });
    const chunkContext = buildContext(candidates, { tokenizer: deps.tokenizer, budgetTokens: budgetTokens - fitted.usedTokens, maxSources: request.maxSources });
    const notes = noteCitations(fitted.kept, chunkContext.citations.length + 1);
    const context = {
      citations: [...chunkContext.citations, ...notes.citations],
      promptText: [chunkContext.promptText, notes.promptText].filter((text) => text.length > 0).join('\n\n'),
    };
    const contextMs = performance.now() - contextStarted;
    const timings: AnswerTimings = { retrievalMs, rerankMs, contextMs, preparationMs: 0, totalMs: 0 };

    yield { type: 'sources', citations: context.citations, retrieval: { mode: retrieval.mode, resultCount: retrieval.results.length, topScore: topMatchScore(retrieval.results, retrieval.mode) } };
    for (const text of notices) yield { type: 'notice', text };

    const extractive = (reason: ExtractiveReason): AnswerPart[] => {
      const passages = context.citations.filter((citation) => citation.kind !== 'turn');
      const answer = extractiveAnswer(request.question, passages, { reason, maxPassages: 5 });
      timings.totalMs = performance.now() - started;
      return [
        { type: 'text-delta', text: answer },
        { type: 'finish', answer, extractive: true, citations: extractCitations(answer, context.citations), finishReason: EXTRACTIVE_FINISH_REASONS[reason], timings },
      ];
    };

    if (model === null) {
      timings.preparationMs = performance.now() - started;
      yield* extractive('no-model');
      return;
    }

    const messages = groundedPrompt({ question: request.question, sourcesText: context.promptText, history });
    timings.preparationMs = performance.now() - started;
    const outcome = yield* streamGeneration(model, { messages, maxTokens: request.maxAnswerTokens, temperature: request.temperature, ...(request.stop ? { stop: [...request.stop] } : {}), signal });
    const { answer, failure, finish } = outcome;
    if (failure && answer.length === 0 && isUnavailable(failure)) {
      yield { type: 'notice', text: `${failure.message} Answering with the most relevant passages instead.` };
      yield* extractive('unreachable');
      return;
    }
    if (failure) {
      yield { type: 'error', error: { code: failure.code, message: failure.message, retryable: failure.retryable } };
      return;
    }
    if (outcome.firstTokenAt !== undefined) timings.ttftMs = outcome.firstTokenAt - started;
    timings.totalMs = performance.now() - started;
    if (finish) {
      timings.decodeMs = finish.timings.decodeMs;
      timings.tokensPerSecond = finish.timings.tokensPerSecond;
      if (finish.usage.promptTokens !== undefined) timings.promptTokens = finish.usage.promptTokens;
      if (finish.usage.completionTokens !== undefined) timings.completionTokens = finish.usage.completionTokens;
    }
    yield {
      type: 'finish', answer, extractive: false, citations: extractCitations(answer, context.citations),
      finishReason: finish?.finishReason ?? 'unknown', ...(outcome.model ? { model: outcome.model } : {}), ...(outcome.endpoint ? { endpoint: outcome.endpoint } : {}), timings,
    };
  } finally {
    request.signal?.removeEventListener('abort', onAbort);
    // Reached early when the consumer stops iterating: aborting cancels the upstream request.
    controller.abort();
  }
}

/**
 * Room for the sources: the context window less the answer, the prompt without sources (system
 * rules, history, question; estimated like the sources) and a margin.
 */
function sourcesBudget(tokenizer: TokenCounter, frame: ChatMessage[], contextWindow: number, maxAnswerTokens: number): number {
  const frameTokens = frame.reduce((sum, message) => sum + estimateLlmTokens(tokenizer, message.content) + TEMPLATE_TOKENS_PER_MESSAGE, 0);
  return Math.max(0, contextWindow - maxAnswerTokens - frameTokens - PROMPT_MARGIN_TOKENS);
}

/**
 * Before the first token, LLM_UNAVAILABLE (every breaker open) and any retryable failure (refused,
 * reset, timed out, 5xx after the client's own retries and failover) mean "no language model now":
 * the answer falls back to the passages. Non-retryable failures (a rejected request) are errors.
 */
function isUnavailable(failure: CairnError): boolean {
  return failure.code === 'LLM_UNAVAILABLE' || (failure.retryable && failure.code !== 'ABORTED');
}

/**
 * Reorders the candidates with the reranker. Its absence or failure is a notice, not an error: the
 * sources keep their retrieval order. Cancellation propagates.
 */
async function rerankStage(
  reranker: Reranker | null,
  query: string,
  results: ScoredChunk[],
  options: AnswerRequest['rerank'],
  signal: AbortSignal,
): Promise<{ candidates?: ContextChunk[]; millis?: number; notice?: string } | null> {
  if (results.length === 0) return null;
  if (reranker === null) return { notice: options.unavailableNotice ?? 'No reranker is available; sources keep their retrieval order.' };
  try {
    const reranked = await rerankCandidates(reranker, query, results, { maxCandidates: options.maxCandidates, batchSize: options.batchSize, signal });
    return { candidates: reranked.results, millis: reranked.millis };
  } catch (error) {
    const failure = toCairnError(error);
    if (failure.code === 'ABORTED' || signal.aborted) throw failure;
    return { notice: `Reranking failed (${failure.message}); sources keep their retrieval order.` };
  }
}
