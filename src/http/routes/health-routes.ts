import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { readiness, readinessStatus } from '../../app/readiness.js';
import { requestHasScope } from '../authenticate.js';

const healthSchema = z.object({ status: z.literal('ok') });

const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  version: z.string(),
  store: z.object({
    ok: z.boolean(),
    kind: z.string(),
    location: z.string(),
    vectors: z.string(),
    sizeBytes: z.number().optional(),
    collections: z.number().optional(),
    error: z.string().optional(),
  }),
  lexical: z.object({
    kind: z.string(),
    accelerators: z.array(
      z.object({
        collection: z.string(),
        state: z.enum(['ready', 'building', 'stale', 'absent']),
        documents: z.number(),
        bytes: z.number(),
        builtInMs: z.number().optional(),
        lastError: z.string().optional(),
      }),
    ),
  }),
  vectorStore: z
    .object({
      kind: z.string(),
      location: z.string(),
      ok: z.boolean(),
      error: z.string().optional(),
      version: z.string().optional(),
      latencyMs: z.number().optional(),
      collections: z.array(z.object({ collection: z.string(), count: z.number(), expected: z.number(), inSync: z.boolean() })),
    })
    .optional()
    .describe('A separate vector store (Chroma), when configured; down degrades dense and hybrid search to lexical.'),
  embedders: z.array(z.object({ id: z.string(), collections: z.array(z.string()), loaded: z.boolean(), lexicalOnly: z.boolean(), reason: z.string().optional() })),
  reranker: z.object({ id: z.string(), enabled: z.boolean(), loaded: z.boolean(), state: z.enum(['off', 'loading', 'loaded', 'unavailable']) }),
  llm: z.object({
    configured: z.boolean(),
    available: z.boolean(),
    reachable: z.boolean().nullable(),
    id: z.string().optional(),
    model: z.string().optional(),
    endpoints: z.array(z.object({ url: z.string(), state: z.string(), consecutiveFailures: z.number(), reachable: z.boolean(), error: z.string().optional() })),
  }),
});

/** What `/readyz` tells a caller without an admin key (load balancers, Kubernetes probes). */
const readinessStatusSchema = z.object({ status: z.enum(['ready', 'unavailable']) });

/**
 * `/healthz`: the process answers. `/readyz`: the store answers (else 503). To a caller with an admin
 * key, with the details: the database location, each collection's embedder loaded or lexical-only (and
 * why), the reranker, and whether a language model was found and answers now (answers are extractive
 * without one; that does not make the server unready). Everyone else gets the status alone, which loads
 * no model and contacts no server.
 */
export function registerHealthRoutes(scope: FastifyInstance, app: CairnApp, version: string): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get('/healthz', { schema: { tags: ['health'], response: { 200: healthSchema } } }, async () => ({ status: 'ok' as const }));

  const response = z.union([readinessSchema, readinessStatusSchema]);
  routes.get('/readyz', { schema: { tags: ['health'], response: { 200: response, 503: response } } }, async (request, reply) => {
    if (!(await requestHasScope(app, request, 'admin'))) {
      const { status } = await readinessStatus(app);
      return reply.status(status === 'ready' ? 200 : 503).send({ status });
    }
    const report = await readiness(app);
    return reply.status(report.status === 'ready' ? 200 : 503).send({ ...report, version });
  });
}
