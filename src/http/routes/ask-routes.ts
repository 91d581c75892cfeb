import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ask } from '../../app/ask.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { askInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { collectAnswer } from '../../app/render/answer-json.js';
import { analyticsOrigin } from '../analytics-origin.js';
import { clientAbortSignal, sendAnswerStream } from '../answer-sse.js';
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
      const abort = clientAbortSignal(reply);
      try {
        const parts = ask(app, input, { signal: abort.signal, origin: analyticsOrigin(request) });
        if (!stream) return { question: input.question, collection: input.collection, ...(await collectAnswer(app, parts)) };
        await sendAnswerStream(request, reply, parts);
        return reply;
      } finally {
        abort.dispose();
      }
    },
  );
}
