import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ask } from '../../app/ask.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { askInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { answerPartJson, collectAnswer } from '../../app/render/answer-json.js';
import type { AnswerPart } from '../../core/answer-types.js';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import { askBodySchema, askQuerySchema, askResponseSchema, withProblems } from '../http-schemas.js';

/**
 * `POST /v1/ask`: by default a Server-Sent Events stream, one event per answer part
 * (`event: <part type>`, `data: <json>`; the last is `finish` with citations and timings, or
 * `error`). `stream=false` (query or body) answers one JSON object shaped like `cairn ask --json`.
 * Failures before the first part (unknown collection, bad input) are problem+json; after it they
 * travel as an `error` event. A client that goes away aborts the answer and its upstream request.
 */
export function registerAskRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['ask'],
        description: 'Streams text/event-stream unless stream=false; the 200 schema below is the stream=false body.',
        querystring: askQuerySchema,
        body: askBodySchema,
        response: withProblems(askResponseSchema),
      },
    },
    async (request, reply) => {
      const { stream: bodyStream, ...rest } = request.body;
      const input = parseInput(askInputSchema, { ...rest, collection: rest.collection ?? app.config.defaultCollection });
      const stream = request.query.stream !== undefined ? request.query.stream === 'true' : (bodyStream ?? true);
      const controller = new AbortController();
      const onClose = (): void => {
        if (!reply.raw.writableEnded) controller.abort(new CairnError('ABORTED', 'The client closed the connection.'));
      };
      reply.raw.on('close', onClose);
      const parts = ask(app, input, { signal: controller.signal });
      if (!stream) {
        try {
          return { question: input.question, collection: input.collection, ...(await collectAnswer(app, parts)) };
        } finally {
          reply.raw.off('close', onClose);
        }
      }
      const iterator = parts[Symbol.asyncIterator]();
      let next: IteratorResult<AnswerPart, void>;
      try {
        next = await iterator.next();
      } catch (error) {
        reply.raw.off('close', onClose);
        throw error;
      }
      reply.hijack();
      reply.raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      try {
        while (!next.done) {
          if (next.value.type === 'notice') request.log.info({ notice: next.value.text }, 'answer notice');
          writeEvent(reply.raw, next.value.type, answerPartJson(next.value));
          next = await iterator.next();
        }
      } catch (error) {
        const failure = toCairnError(error);
        if (failure.code !== 'ABORTED') request.log.error({ err: error }, 'answer failed while streaming');
        writeEvent(reply.raw, 'error', { code: failure.code, message: failure.message, retryable: failure.retryable });
      } finally {
        reply.raw.off('close', onClose);
        if (!reply.raw.writableEnded) reply.raw.end();
      }
    },
  );
}

function writeEvent(response: ServerResponse, event: string, data: unknown): void {
  if (response.writableEnded || response.destroyed) return;
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
