import type { AnswerPart } from '../../core/answer-types.js';
import { CairnError, toCairnError, type ErrorCode } from '../../core/cairn-error.js';
import type { GenerateOptions, LanguageModel, StreamTimings, Usage } from '../../models/generate/language-model.js';

/** How a generation ended: what was said, by which endpoint, and the failure if any. */
export interface GenerationOutcome {
  answer: string;
  /** `performance.now()` of the first non-empty text delta. */
  firstTokenAt?: number;
  endpoint?: string;
  model?: string;
  finish?: { finishReason: string; usage: Usage; timings: StreamTimings };
  /** Set when the stream failed or was aborted (`signal` of the options). */
  failure?: CairnError;
}

/**
 * Passes the model's text deltas on as answer parts the moment they arrive, and returns how the
 * stream ended. Never throws: failures, thrown or sent as an error part, end up in `failure`.
 * Leaving the loop (an error part, or the consumer stopping) closes the model's stream, which aborts
 * its HTTP request.
 */
export async function* streamGeneration(model: LanguageModel, options: GenerateOptions): AsyncGenerator<AnswerPart, GenerationOutcome, undefined> {
  const outcome: GenerationOutcome = { answer: '' };
  try {
    for await (const part of model.stream(options)) {
      if (part.type === 'start') {
        outcome.endpoint = part.endpoint;
        outcome.model = part.model;
      } else if (part.type === 'text-delta') {
        if (part.text.length === 0) continue;
        outcome.firstTokenAt ??= performance.now();
        outcome.answer += part.text;
        yield { type: 'text-delta', text: part.text };
      } else if (part.type === 'finish') {
        outcome.finish = part;
      } else {
        outcome.failure = new CairnError(part.error.code as ErrorCode, part.error.message, { retryable: part.error.retryable });
        break;
      }
    }
  } catch (error) {
    outcome.failure = toCairnError(error);
  }
  if (options.signal?.aborted) outcome.failure = new CairnError('ABORTED', 'The answer was cancelled.', { cause: options.signal.reason });
  return outcome;
}
