import type { AnswerPart } from '../core/answer-types.js';
import { toCairnError } from '../core/cairn-error.js';
import type { ContextNote } from '../retrieve/context/fit-notes.js';
import type { AnalyticsKind } from '../stores/analytics-store.js';
import type { MemoryScope } from '../stores/memory-store.js';
import type { ChatTurn } from '../answer/prompt/grounded-prompt.js';
import { runAnswer } from '../answer/run-answer.js';
import type { CairnApp } from './cairn-app.js';
import { withAnswerAnalytics, type AnalyticsOrigin } from './analytics/record-analytics.js';
import { withAnswerTelemetry } from './answer-telemetry.js';
import type { AskInput } from './input-schemas.js';
import { searchMemories } from './memories.js';
import { resolveCollection } from './resolve-collection.js';
import { hybridFusionOf } from '../retrieve/fuse/fusion-types.js';

export interface AskOptions {
  signal?: AbortSignal;
  /** Chat only: recent turns for the prompt, and the query retrieval uses instead of the question. */
  history?: readonly ChatTurn[];
  retrievalQuery?: string;
  notices?: readonly string[];
  /** Memories of this session / user are searched besides the unscoped ones (see memories.ts). */
  memoryScope?: MemoryScope;
  /** Earlier turns of a stored chat session, most recent first, given as `turn` sources. */
  turns?: readonly ContextNote[];
  /** Who asked; the answer is recorded in the analytics log only with one (as `kind`, default `ask`). */
  origin?: AnalyticsOrigin;
  kind?: AnalyticsKind;
  /** Per-request generation settings instead of the configured ones (the OpenAI-compatible route). */
  generation?: GenerationSettings;
}

export interface GenerationSettings {
  temperature?: number;
  /** Most answer tokens; also what the context budget keeps free. */
  maxTokens?: number;
  stop?: readonly string[];
}

/**
 * Use case: a streamed, cited answer to a question over a collection (see runAnswer for the part
 * order). The input is validated by the edge with `askInputSchema`. Throws before the first part
 * for an unknown collection; the reranker and language model are resolved once per app.
 */
export async function* ask(app: CairnApp, input: AskInput, options: AskOptions = {}): AsyncGenerator<AnswerPart, void, undefined> {
  const { record, loaded } = await resolveCollection(app, input.collection, {}, false);
  const wantsRerank = input.rerank && app.config.rerank.reranker !== 'none';
  const [reranker, languageModel] = await Promise.all([wantsRerank ? app.loadReranker() : null, app.languageModel()]);
  const { config } = app;
  const scope: MemoryScope = { ...(input.userId ? { userId: input.userId } : {}), ...options.memoryScope };
  const memories = await memoryNotes(app, options.retrievalQuery ?? input.question, scope, options.signal);
  const notes = [...memories, ...(options.turns ?? []).slice(0, config.memory.turns)];
  const generation = options.generation ?? {};
  const recorded = { kind: options.kind ?? 'ask', collection: record.name, query: options.retrievalQuery ?? input.question };
  yield* withAnswerAnalytics(app, options.origin, recorded, withAnswerTelemetry(app.telemetry, runAnswer(
    {
      search: { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder },
      tokenizer: loaded.tokenizer,
      reranker,
      languageModel,
    },
    {
      collection: record.name,
      question: input.question,
      ...(options.retrievalQuery ? { retrievalQuery: options.retrievalQuery } : {}),
      mode: input.mode ?? config.search.mode,
      retrieveK: input.k ?? config.answer.retrieveK,
      candidates: config.search.candidates,
      fusion: hybridFusionOf(config.search),
      ...(input.filter ? { filter: input.filter } : {}),
      rerank: {
        enabled: wantsRerank,
        maxCandidates: config.rerank.candidates,
        batchSize: config.rerank.batchSize,
        ...(reranker === null && app.rerankerUnavailableNotice?.() ? { unavailableNotice: app.rerankerUnavailableNotice()! } : {}),
      },
      maxSources: config.answer.sources,
      contextWindow: config.llm.contextWindow,
      maxAnswerTokens: generation.maxTokens ?? config.llm.maxAnswerTokens,
      temperature: generation.temperature ?? config.llm.temperature,
      ...(generation.stop && generation.stop.length > 0 ? { stop: generation.stop } : {}),
      ...(options.history ? { history: options.history } : {}),
      ...(options.notices ? { notices: options.notices } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(notes.length > 0 ? { notes, notesShare: config.memory.contextShare } : {}),
    },
  )));
}

/**
 * The memories relevant to the question (config memory.k and memory.minScore), as `memory` sources.
 * A failing memory search is a notice, never a failed answer; cancellation propagates.
 */
async function memoryNotes(app: CairnApp, query: string, scope: MemoryScope, signal: AbortSignal | undefined): Promise<ContextNote[]> {
  if (app.config.memory.k === 0) return [];
  try {
    const { items } = await searchMemories(app, { query: query.slice(0, 4000), k: app.config.memory.k, minScore: app.config.memory.minScore, ...scope }, signal ? { signal } : {});
    return items.map((memory) => ({
      kind: 'memory' as const,
      uri: `memory:${memory.id}`,
      title: memory.tags.length > 0 ? `Memory (${memory.tags.join(', ')})` : 'Memory',
      text: memory.source ? `${memory.content}\n(source: ${memory.source})` : memory.content,
      score: memory.score,
    }));
  } catch (error) {
    const failure = toCairnError(error);
    if (failure.code === 'ABORTED') throw failure;
    app.notice(`Memories were left out of the answer (${failure.message}).`);
    return [];
  }
}
