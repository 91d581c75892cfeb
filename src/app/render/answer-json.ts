import type { AnswerPart, AnswerTimings, Citation } from '../../core/answer-types.js';
import { CairnError, type ErrorCode } from '../../core/cairn-error.js';
import type { CairnApp } from '../cairn-app.js';

/**
 * The snake_case JSON of answers, shared by `cairn ask --json`, `cairn chat --json` and the HTTP
 * `/v1/ask` route (its `stream=false` body and the `data:` of each streamed event).
 */
export function citationJson(citation: Citation) {
  return {
    n: citation.n,
    kind: citation.kind,
    source_uri: citation.sourceUri,
    title: citation.title,
    heading_path: citation.headingPath,
    anchor: citation.anchor ?? null,
    page_start: citation.pageStart ?? null,
    page_end: citation.pageEnd ?? null,
    line_start: citation.lineStart ?? null,
    line_end: citation.lineEnd ?? null,
    chunk_ids: citation.chunkIds,
    document_id: citation.documentId ?? null,
    score: citation.score,
    text: citation.text,
  };
}

export function answerTimingsJson(t: AnswerTimings) {
  return {
    retrieval_ms: t.retrievalMs,
    rerank_ms: t.rerankMs,
    context_ms: t.contextMs,
    preparation_ms: t.preparationMs,
    ttft_ms: t.ttftMs ?? null,
    decode_ms: t.decodeMs ?? null,
    tokens_per_second: t.tokensPerSecond ?? null,
    prompt_tokens: t.promptTokens ?? null,
    completion_tokens: t.completionTokens ?? null,
    total_ms: t.totalMs,
  };
}

/** The JSON of one streamed part (the `data:` of a Server-Sent Event whose `event:` is `part.type`). */
export function answerPartJson(part: AnswerPart): Record<string, unknown> {
  switch (part.type) {
    case 'sources':
      return { citations: part.citations.map(citationJson) };
    case 'notice':
    case 'text-delta':
      return { text: part.text };
    case 'finish':
      return {
        answer: part.answer,
        extractive: part.extractive,
        citations: part.citations.map(citationJson),
        model: part.model ?? null,
        endpoint: part.endpoint ?? null,
        finish_reason: part.finishReason,
        timings: answerTimingsJson(part.timings),
      };
    case 'error':
      return { code: part.error.code, message: part.error.message, retryable: part.error.retryable };
  }
}

/** The `--json` contract of `cairn ask` (snake_case): answer, extractive, citations, sources, timings. */
export async function collectAnswer(app: CairnApp, parts: AsyncIterable<AnswerPart>) {
  let sources: Citation[] = [];
  const notices: string[] = [];
  for await (const part of parts) {
    if (part.type === 'sources') sources = part.citations;
    else if (part.type === 'notice') {
      notices.push(part.text);
      app.notice(part.text);
    } else if (part.type === 'error') {
      throw new CairnError(part.error.code as ErrorCode, part.error.message, { retryable: part.error.retryable, hint: 'Check the language model server (CAIRN_LLM_URL) and its logs.' });
    } else if (part.type === 'finish') {
      return {
        answer: part.answer,
        extractive: part.extractive,
        citations: part.citations.map(citationJson),
        sources: sources.map(citationJson),
        model: part.model ?? null,
        endpoint: part.endpoint ?? null,
        finish_reason: part.finishReason,
        notices,
        timings: answerTimingsJson(part.timings),
      };
    }
  }
  throw new CairnError('INTERNAL', 'The answer stream ended without a finish part.');
}
