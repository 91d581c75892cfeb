import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { answerPartJson } from '../app/render/answer-json.js';
import type { AnswerPart } from '../core/answer-types.js';
import { CairnError, toCairnError } from '../core/cairn-error.js';
import { openEventStream } from './event-stream-response.js';

/** Writes one Server-Sent Event; a no-op once the response has ended or its socket is gone. */
export function writeSseEvent(response: ServerResponse, event: string, data: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * An AbortSignal that fires when the client goes away before the response has ended. `dispose`
 * stops listening (call it once the answer is over).
 */
export function clientAbortSignal(reply: FastifyReply): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableEnded) controller.abort(new CairnError('ABORTED', 'The client closed the connection.'));
  };
  reply.raw.on('close', onClose);
  return { signal: controller.signal, dispose: () => reply.raw.off('close', onClose) };
}

/**
 * Streams an answer as Server-Sent Events, one per part (`event: <part type>`, `data: <json>`).
 * The first part is awaited before anything is written, so a failure before it (unknown collection,
 * bad input) is thrown to the route and becomes problem+json; later failures travel as an `error`
 * event. Returning early from the iterator (client gone) runs the producer's cleanup.
 */
export async function sendAnswerStream(request: FastifyRequest, reply: FastifyReply, parts: AsyncIterable<AnswerPart>): Promise<void> {
  const iterator = parts[Symbol.asyncIterator]();
  let next = await iterator.next();
  openEventStream(reply);
  try {
    while (!next.done) {
      if (next.value.type === 'notice') request.log.info({ notice: next.value.text }, 'answer notice');
      writeSseEvent(reply.raw, next.value.type, answerPartJson(next.value));
      next = await iterator.next();
    }
  } catch (error) {
    const failure = toCairnError(error);
    if (failure.code !== 'ABORTED') request.log.error({ err: error }, 'answer failed while streaming');
    writeSseEvent(reply.raw, 'error', { code: failure.code, message: failure.message, retryable: failure.retryable });
  } finally {
    if (!next.done) await iterator.return?.().catch(() => undefined);
    if (!reply.raw.writableEnded) reply.raw.end();
  }
}
