import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { createCollection, deleteCollection, getCollection, listCollections } from '../../app/collections.js';
import { createCollectionInputSchema } from '../../app/input-schemas.js';
import { collectionParamsSchema, collectionSchema, withProblems } from '../http-schemas.js';

/** `/v1/collections`: list, create (embedder and chunking fixed from then on), get with counts, delete. */
export function registerCollectionsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get('', { config: { scope: 'read' }, schema: { tags: ['collections'], response: withProblems(z.object({ collections: z.array(collectionSchema) })) } }, async () => ({
    collections: await listCollections(app),
  }));

  routes.post(
    '',
    { config: { scope: 'write' }, schema: { tags: ['collections'], body: createCollectionInputSchema, response: withProblems(collectionSchema, 201) } },
    async (request, reply) => {
      const { name, embedder, chunkSize, chunkOverlap } = request.body;
      const record = await createCollection(app, name, { embedder, chunkSize, chunkOverlap });
      return reply.status(201).send(record);
    },
  );

  routes.get('/:name', { config: { scope: 'read' }, schema: { tags: ['collections'], params: collectionParamsSchema, response: withProblems(collectionSchema) } }, async (request) =>
    getCollection(app, request.params.name),
  );

  routes.delete(
    '/:name',
    { config: { scope: 'write' }, schema: { tags: ['collections'], params: collectionParamsSchema, response: withProblems(z.object({ deleted: z.string() })) } },
    async (request) => {
      await deleteCollection(app, request.params.name);
      return { deleted: request.params.name };
    },
  );
}
