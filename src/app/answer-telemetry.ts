import type { AnswerPart } from '../core/answer-types.js';
import type { Telemetry } from '../core/telemetry.js';

/**
 * Passes the parts of an answer through unchanged and reports the timings of its `finish` part:
 * time to first token and decode speed (model answers only), and the rerank time when a reranker ran.
 * Stopping early stops the inner stream too (for-await returns it).
 */
export async function* withAnswerTelemetry(telemetry: Telemetry | undefined, parts: AsyncGenerator<AnswerPart, void, undefined>): AsyncGenerator<AnswerPart, void, undefined> {
  if (!telemetry) {
    yield* parts;
    return;
  }
  for await (const part of parts) {
    if (part.type === 'finish') {
      const { ttftMs, tokensPerSecond, rerankMs } = part.timings;
      if (ttftMs !== undefined) telemetry.observe('answer.ttftMs', ttftMs);
      if (tokensPerSecond !== undefined && tokensPerSecond > 0) telemetry.observe('answer.tokensPerSecond', tokensPerSecond);
      if (rerankMs > 0) telemetry.observe('search.rerankMs', rerankMs);
    }
    yield part;
  }
}
