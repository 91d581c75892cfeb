import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKey, createKeyInputSchema, listApiKeys, revokeApiKey } from '../../app/api-keys.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { KEY_SCOPES } from '../../stores/key-store.js';
import { withProblems } from '../http-schemas.js';

const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(KEY_SCOPES)),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const keyParamsSchema = z.object({ id: z.string().min(1) });

/** `/v1/keys` (scope admin): create (the response carries the secret, once), list without secrets, revoke. */
export function registerKeysRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  const config = { scope: 'admin' as const };
  routes.get('', { config, schema: { tags: ['keys'], response: withProblems(z.object({ keys: z.array(keySchema) })) } }, async () => ({
    keys: await listApiKeys(app),
  }));
  routes.post(
    '',
    { config, schema: { tags: ['keys'], body: createKeyInputSchema, response: withProblems(keySchema.extend({ key: z.string().describe('the secret; shown only in this response') }), 201) } },
    async (request, reply) => {
      const { record, key } = await createApiKey(app, request.body);
      return reply.status(201).send({ ...record, key });
    },
  );
  routes.delete('/:id', { config, schema: { tags: ['keys'], params: keyParamsSchema, response: withProblems(z.object({ revoked: z.string() })) } }, async (request) => {
    await revokeApiKey(app, request.params.id);
    return { revoked: request.params.id };
  });
}
