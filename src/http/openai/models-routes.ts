import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { collectionOfModel, listCairnModels, modelIdOf } from '../../app/openai/cairn-models.js';
import type { CollectionRecord } from '../../stores/collection-record.js';
import { openAiErrorSchema } from './openai-error.js';

const modelSchema = z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() });
const errors = { '4xx': openAiErrorSchema, '5xx': openAiErrorSchema };

function modelJson(id: string, collection: CollectionRecord) {
  return { id, object: 'model' as const, created: Math.floor(Date.parse(collection.createdAt) / 1000), owned_by: 'cairn' };
}

/**
 * `GET /v1/models`: one model `cairn/<collection>` per collection (OpenAI's list shape), and
 * `GET /v1/models/{model}` (the id holds a slash, sent raw or as `%2F`). The configured language
 * model is not listed: Cairn answers over a collection and does not proxy plain chat to the LLM.
 */
export function registerModelsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/models',
    { config: { scope: 'read' }, schema: { tags: ['openai'], response: { 200: z.object({ object: z.literal('list'), data: z.array(modelSchema) }), ...errors } } },
    async () => ({ object: 'list' as const, data: (await listCairnModels(app)).map((model) => modelJson(model.id, model.collection)) }),
  );
  routes.get(
    '/models/*',
    { config: { scope: 'read' }, schema: { tags: ['openai'], params: z.object({ '*': z.string() }), response: { 200: modelSchema, ...errors } } },
    async (request) => {
      const collection = await collectionOfModel(app, decodeURIComponent(request.params['*']));
      return modelJson(modelIdOf(collection.name), collection);
    },
  );
}
