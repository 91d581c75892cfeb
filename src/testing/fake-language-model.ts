import { CairnError } from '../core/cairn-error.js';
import type {
  ChatMessage, EndpointStatus, GenerateOptions, GenerateResult, GenerateStreamPart, LanguageModel,
} from '../models/generate/language-model.js';

export interface FakeLanguageModelOptions {
  /** Text deltas of every streamed answer; a function sees the request's messages. */
  deltas?: string[] | ((messages: ChatMessage[]) => string[]);
  /** Reply of `generate` (the condense step). */
  generateText?: string | ((messages: ChatMessage[]) => string);
  /** Milliseconds before each delta (the first included). */
  delayMs?: number;
  /** Fails before the first token: thrown from the iterator (`throw`) or sent as an error part (`part`). */
  failBeforeFirst?: { error: CairnError; as: 'throw' | 'part' };
  /** Sends an error part after this many deltas (a connection lost mid-answer). */
  failAfterDeltas?: number;
  contextWindow?: number;
}

/**
 * A LanguageModel in memory for unit tests. Records every request; honours AbortSignal between
 * deltas (as the HTTP client does by aborting the request) and records whether the stream ended
 * by abort, by its consumer stopping early, or by completion.
 */
export class FakeLanguageModel implements LanguageModel {
  readonly id = 'fake:llm';
  readonly model = 'fake-model';
  readonly contextWindow: number;
  readonly streamCalls: GenerateOptions[] = [];
  readonly generateCalls: GenerateOptions[] = [];
  /** How each stream ended, in call order. */
  readonly endings: ('completed' | 'aborted' | 'stopped-by-consumer' | 'failed')[] = [];
  private readonly options: FakeLanguageModelOptions;

  constructor(options: FakeLanguageModelOptions = {}) {
    this.options = options;
    this.contextWindow = options.contextWindow ?? 8192;
  }

  async generate(options: GenerateOptions): Promise<GenerateResult> {
    this.generateCalls.push(options);
    if (this.options.failBeforeFirst) throw this.options.failBeforeFirst.error;
    const reply = this.options.generateText;
    const text = typeof reply === 'function' ? reply(options.messages) : (reply ?? 'standalone question');
    return { text, finishReason: 'stop', usage: { promptTokens: 10, completionTokens: 3 }, endpoint: 'fake://1', timings: { totalMs: 1 } };
  }

  async *stream(options: GenerateOptions): AsyncIterable<GenerateStreamPart> {
    this.streamCalls.push(options);
    const started = performance.now();
    let ending: FakeLanguageModel['endings'][number] = 'stopped-by-consumer';
    try {
      const failure = this.options.failBeforeFirst;
      if (failure) {
        ending = 'failed';
        if (failure.as === 'throw') throw failure.error;
        yield { type: 'error', error: { code: failure.error.code, message: failure.error.message, retryable: failure.error.retryable } };
        return;
      }
      yield { type: 'start', endpoint: 'fake://1', model: this.model };
      const configured = this.options.deltas ?? ['The answer is here [1].'];
      const deltas = typeof configured === 'function' ? configured(options.messages) : configured;
      let firstAt = 0;
      let count = 0;
      for (const delta of deltas) {
        if (this.options.delayMs) await sleep(this.options.delayMs, options.signal);
        if (options.signal?.aborted) throw new CairnError('ABORTED', 'The request was cancelled.');
        if (this.options.failAfterDeltas !== undefined && count >= this.options.failAfterDeltas) {
          ending = 'failed';
          yield { type: 'error', error: { code: 'UPSTREAM_FAILED', message: 'The connection closed mid-answer.', retryable: false } };
          return;
        }
        if (count === 0) firstAt = performance.now();
        count++;
        yield { type: 'text-delta', text: delta };
      }
      const now = performance.now();
      const decodeMs = count > 1 ? now - firstAt : 0;
      ending = 'completed';
      yield {
        type: 'finish',
        finishReason: 'stop',
        usage: { promptTokens: 100, completionTokens: count },
        timings: { ttftMs: firstAt - started, decodeMs, totalMs: now - started, tokensPerSecond: decodeMs > 0 ? ((count - 1) * 1000) / decodeMs : 0, tokensFromUsage: true },
      };
    } catch (error) {
      if (options.signal?.aborted) ending = 'aborted';
      throw error;
    } finally {
      this.endings.push(ending);
    }
  }

  endpoints(): EndpointStatus[] {
    return [{ url: 'fake://1', state: 'closed', consecutiveFailures: 0 }];
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CairnError('ABORTED', 'The request was cancelled.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CairnError('ABORTED', 'The request was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
