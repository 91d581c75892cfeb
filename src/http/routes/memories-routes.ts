import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { createMemory, deleteMemory, getMemory, listMemories, searchMemories, updateMemory } from '../../app/memories.js';
import { memoryCreateInputSchema, memorySchema, memorySearchInputSchema, memoryUpdateInputSchema } from '../../app/memory-input-schemas.js';
import { noContentSchema, withProblems } from '../http-schemas.js';

const memoryParamsSchema = z.object({ id: z.string().min(1).max(100) });

/** Query strings are strings: `limit` is coerced here and everything is validated again by the use case. */
const listQuerySchema = z
  .object({
    tag: z.string().min(1).max(64).optional(),
    sessionId: z.string().min(1).max(200).optional(),
    userId: z.string().min(1).max(200).optional(),
    q: z.string().min(1).max(1000).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();

/**
 * `/v1/memories`: long-term memories (see src/app/memories.ts). Listing filters exactly by tag,
 * session and user; searching ranks by meaning and words and sees the unscoped memories plus those of
 * the session and user it names. Expired memories are never returned (404 by id).
 */
export function registerMemoriesRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '',
    { config: { scope: 'write' }, schema: { tags: ['memories'], body: memoryCreateInputSchema, response: withProblems(memorySchema, 201) } },
    async (request, reply) => reply.status(201).send(await createMemory(app, request.body)),
  );
  routes.get(
    '',
    {
      config: { scope: 'read' },
      schema: { tags: ['memories'], querystring: listQuerySchema, response: withProblems(z.object({ items: z.array(memorySchema), nextCursor: z.string().nullable() })) },
    },
    async (request) => listMemories(app, request.query),
  );
  routes.post(
    '/search',
    {
      config: { scope: 'read' },
      schema: { tags: ['memories'], body: memorySearchInputSchema, response: withProblems(z.object({ items: z.array(memorySchema.extend({ score: z.number() })) })) },
    },
    async (request) => searchMemories(app, request.body),
  );
  routes.get(
    '/:id',
    { config: { scope: 'read' }, schema: { tags: ['memories'], params: memoryParamsSchema, response: withProblems(memorySchema) } },
    async (request) => getMemory(app, request.params.id),
  );
  routes.patch(
    '/:id',
    { config: { scope: 'write' }, schema: { tags: ['memories'], params: memoryParamsSchema, body: memoryUpdateInputSchema, response: withProblems(memorySchema) } },
    async (request) => updateMemory(app, request.params.id, request.body),
  );
  routes.delete(
    '/:id',
    { config: { scope: 'write' }, schema: { tags: ['memories'], params: memoryParamsSchema, response: withProblems(noContentSchema, 204) } },
    async (request, reply) => {
      await deleteMemory(app, request.params.id);
      return reply.status(204).send(null);
    },
  );
}
