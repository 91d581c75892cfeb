import type { AnswerTimings, ChatMessage, Citation, FinishPart } from '../api/types.js';
import { createTokenMeter, type TokenMeter } from './token-meter.js';

/** One answer as it streams in and after it ends. */
export interface AnswerState {
  text: string;
  sources: Citation[];
  notices: string[];
  streaming: boolean;
  stopped: boolean;
  extractive: boolean;
  finish: FinishPart | null;
  error: { code: string; message: string } | null;
  /** Client-side measures while streaming, replaced by the server's timings from `finish`. */
  live: { sourcesMs: number | null; ttftMs: number | null; tokensPerSecond: number | null; tokens: number };
}

export function emptyAnswer(): AnswerState {
  return { text: '', sources: [], notices: [], streaming: true, stopped: false, extractive: false, finish: null, error: null, live: { sourcesMs: null, ttftMs: null, tokensPerSecond: null, tokens: 0 } };
}

/** Folds one streamed event (`sources`, `notice`, `text-delta`, `finish`, `error`) into the answer. */
export function reduceAnswer(state: AnswerState, type: string, data: Record<string, unknown>, meter: TokenMeter, elapsedMs: number): AnswerState {
  switch (type) {
    case 'sources':
      return { ...state, sources: (data.citations as Citation[]) ?? [], live: { ...state.live, sourcesMs: state.live.sourcesMs ?? elapsedMs } };
    case 'notice':
      return { ...state, notices: [...state.notices, String(data.text ?? '')] };
    case 'text-delta':
      meter.add();
      return { ...state, text: state.text + String(data.text ?? ''), live: { ...state.live, ttftMs: meter.firstTokenMs, tokensPerSecond: meter.tokensPerSecond, tokens: meter.tokens } };
    case 'finish': {
      const finish = data as unknown as FinishPart;
      return { ...state, text: finish.answer || state.text, finish, extractive: finish.extractive, streaming: false };
    }
    case 'error':
      return { ...state, error: { code: String(data.code ?? 'ERROR'), message: String(data.message ?? 'The answer failed.') }, streaming: false };
    default:
      return state;
  }
}

export { createTokenMeter };

/** Timings of an answer in the API's snake_case, whichever casing a stored turn used. */
export function normalizeTimings(raw: Record<string, unknown> | undefined): Partial<AnswerTimings> | undefined {
  if (!raw) return undefined;
  const pick = (snake: string, camel: string) => {
    const value = raw[snake] ?? raw[camel];
    return typeof value === 'number' ? value : null;
  };
  return {
    retrieval_ms: pick('retrieval_ms', 'retrievalMs') ?? undefined,
    rerank_ms: pick('rerank_ms', 'rerankMs') ?? undefined,
    ttft_ms: pick('ttft_ms', 'ttftMs'),
    tokens_per_second: pick('tokens_per_second', 'tokensPerSecond'),
    total_ms: pick('total_ms', 'totalMs') ?? undefined,
  };
}

export interface Turn {
  key: string;
  question: string;
  answer: AnswerState;
}

/** A stored session's messages as question/answer turns. */
export function turnsFromMessages(messages: readonly ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === 'user') {
      turns.push({ key: message.id, question: message.content, answer: { ...emptyAnswer(), streaming: false } });
      continue;
    }
    let turn = turns.at(-1);
    if (!turn || turn.answer.text) {
      turn = { key: message.id, question: '', answer: { ...emptyAnswer(), streaming: false } };
      turns.push(turn);
    }
    const timings = normalizeTimings(message.timings);
    turn.answer = {
      ...turn.answer,
      text: message.content,
      sources: message.citations ?? [],
      extractive: message.extractive ?? false,
      finish: timings ? ({ answer: message.content, extractive: message.extractive ?? false, citations: message.citations ?? [], model: null, endpoint: null, finish_reason: 'stop', timings } as FinishPart) : null,
    };
  }
  return turns;
}
