import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { embedTexts } from '../../app/openai/embed-texts.js';
import { CairnError } from '../../core/cairn-error.js';
import { clientAbortSignal } from '../answer-sse.js';
import { openAiErrorSchema } from './openai-error.js';
import { embeddingsRequestSchema, type EmbeddingsRequest } from './openai-schemas.js';

const responseSchema = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
});

/** Thousands of floats: written with JSON.stringify rather than re-validated by the zod serializer. */
const plainJson = () => (data: unknown) => JSON.stringify(data);

/**
 * `POST /v1/embeddings`: the configured embedder (or a collection's, model `cairn/<collection>`) in
 * OpenAI's shape. `encoding_format: "base64"` sends each vector as the base64 of its little-endian
 * float32 bytes (what the OpenAI SDKs ask for by default). Token usage is counted with the
 * embedder's own tokenizer.
 */
export function registerEmbeddingsRoute(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/embeddings',
    {
      config: { scope: 'read' },
      serializerCompiler: plainJson,
      schema: { tags: ['openai'], body: embeddingsRequestSchema, response: { 200: responseSchema, '4xx': openAiErrorSchema, '5xx': openAiErrorSchema } },
    },
    async (request, reply) => {
      const body = request.body;
      const abort = clientAbortSignal(reply);
      try {
        const result = await embedTexts(app, { model: body.model, input: textsOf(body.input), ...(body.dimensions ? { dimensions: body.dimensions } : {}), signal: abort.signal });
        const base64 = body.encoding_format === 'base64';
        return {
          object: 'list' as const,
          data: result.vectors.map((vector, index) => ({ object: 'embedding' as const, index, embedding: base64 ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector) })),
          model: body.model,
          usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
        };
      } finally {
        abort.dispose();
      }
    },
  );
}

function textsOf(input: EmbeddingsRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  throw new CairnError('INPUT_INVALID', '`input` holds token ids; Cairn embeds text only.', {
    hint: 'Send the text (a string or an array of strings) instead of token ids.',
    details: { param: 'input' },
  });
}
