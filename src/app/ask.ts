import type { AnswerPart } from '../core/answer-types.js';
import type { ChatTurn } from '../answer/prompt/grounded-prompt.js';
import { runAnswer } from '../answer/run-answer.js';
import type { CairnApp } from './cairn-app.js';
import type { AskInput } from './input-schemas.js';
import { resolveCollection } from './resolve-collection.js';

export interface AskOptions {
  signal?: AbortSignal;
  /** Chat only: recent turns for the prompt, and the query retrieval uses instead of the question. */
  history?: readonly ChatTurn[];
  retrievalQuery?: string;
  notices?: readonly string[];
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
  yield* runAnswer(
    {
      search: { chunks: app.chunks, lexical: app.lexical, vectors: app.vectors, embedder: loaded.embedder, exactFilterLimit: config.vectorIndex.exactFilterLimit },
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
      lexicalWeight: config.search.lexicalWeight,
      ...(input.filter ? { filter: input.filter } : {}),
      rerank: { enabled: wantsRerank, maxCandidates: config.rerank.candidates, batchSize: config.rerank.batchSize },
      maxSources: config.answer.sources,
      contextWindow: config.llm.contextWindow,
      maxAnswerTokens: config.llm.maxAnswerTokens,
      temperature: config.llm.temperature,
      ...(options.history ? { history: options.history } : {}),
      ...(options.notices ? { notices: options.notices } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}
