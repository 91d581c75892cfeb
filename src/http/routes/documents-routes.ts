import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { listDocuments, removeDocuments, showDocument } from '../../app/documents.js';
import { documentListInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { chunkSchema, collectionParamsSchema, documentListQuerySchema, documentParamsSchema, documentSchema, withProblems } from '../http-schemas.js';

const documentPageSchema = z.object({ total: z.number(), limit: z.number(), offset: z.number(), items: z.array(documentSchema) });

/** `/v1/collections/:name/documents`: server-side paginated list with sort and text filter, get with chunks, delete. */
export function registerDocumentsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/:name/documents',
    { config: { scope: 'read' }, schema: { tags: ['documents'], params: collectionParamsSchema, querystring: documentListQuerySchema, response: withProblems(documentPageSchema) } },
    async (request) => {
      const { q, ...rest } = request.query;
      const input = parseInput(documentListInputSchema, { collection: request.params.name, ...(q ? { text: q } : {}), ...rest });
      const page = await listDocuments(app, input);
      return { total: page.total, limit: input.limit, offset: input.offset, items: page.items };
    },
  );

  routes.get(
    '/:name/documents/:id',
    { config: { scope: 'read' }, schema: { tags: ['documents'], params: documentParamsSchema, response: withProblems(z.object({ document: documentSchema, chunks: z.array(chunkSchema) })) } },
    async (request) => showDocument(app, request.params.name, request.params.id),
  );

  routes.delete(
    '/:name/documents/:id',
    { config: { scope: 'write' }, schema: { tags: ['documents'], params: documentParamsSchema, response: withProblems(z.object({ removed: z.array(z.object({ id: z.number(), uri: z.string() })) })) } },
    async (request) => {
      const removed = await removeDocuments(app, request.params.name, [request.params.id]);
      return { removed: removed.map((d) => ({ id: d.id, uri: d.uri })) };
    },
  );
}
