import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { toCairnError } from '../../core/cairn-error.js';

const healthSchema = z.object({ status: z.literal('ok') });

const readinessSchema = z.object({
  status: z.enum(['ready', 'unavailable']),
  version: z.string(),
  store: z.object({ ok: z.boolean(), kind: z.string(), collections: z.number().optional(), error: z.string().optional() }),
  embedders: z.array(z.object({ id: z.string(), collections: z.array(z.string()), loaded: z.boolean(), lexicalOnly: z.boolean(), reason: z.string().optional() })),
  llm: z.object({
    configured: z.boolean(),
    available: z.boolean(),
    id: z.string().optional(),
    model: z.string().optional(),
    endpoints: z.array(z.object({ url: z.string(), state: z.string(), consecutiveFailures: z.number() })),
  }),
});

/**
 * `/healthz`: the process answers. `/readyz`: the store answers (else 503), with each collection's
 * embedder loaded or lexical-only (and why), and whether a language model was found (answers are
 * extractive without one; that does not make the server unready).
 */
export function registerHealthRoutes(scope: FastifyInstance, app: CairnApp, version: string): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get('/healthz', { schema: { tags: ['health'], response: { 200: healthSchema } } }, async () => ({ status: 'ok' as const }));

  routes.get('/readyz', { schema: { tags: ['health'], response: { 200: readinessSchema, 503: readinessSchema } } }, async (_request, reply) => {
    let store: z.infer<typeof readinessSchema>['store'];
    let collections: { name: string; embedder: string }[] = [];
    try {
      collections = await app.chunks.listCollections();
      store = { ok: true, kind: app.chunks.kind, collections: collections.length };
    } catch (error) {
      store = { ok: false, kind: app.chunks.kind, error: toCairnError(error).message };
    }
    const byEmbedder = new Map<string, string[]>();
    for (const c of collections) byEmbedder.set(c.embedder, [...(byEmbedder.get(c.embedder) ?? []), c.name]);
    const embedders = await Promise.all(
      [...byEmbedder].map(async ([id, names]) => {
        const loaded = await app.loadEmbedder(id);
        return {
          id,
          collections: names,
          loaded: loaded.embedder !== null,
          lexicalOnly: loaded.embedder === null,
          ...(loaded.unavailableReason ? { reason: loaded.unavailableReason } : {}),
        };
      }),
    );
    const model = await app.languageModel();
    const llm = {
      configured: app.config.llm.urls.length > 0,
      available: model !== null,
      ...(model ? { id: model.id, model: model.model } : {}),
      endpoints: model ? model.endpoints().map((e) => ({ url: e.url, state: e.state, consecutiveFailures: e.consecutiveFailures })) : [],
    };
    const body = { status: store.ok ? ('ready' as const) : ('unavailable' as const), version, store, embedders, llm };
    return reply.status(store.ok ? 200 : 503).send(body);
  });
}
