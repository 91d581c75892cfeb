import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { CairnError } from '../../core/cairn-error.js';
import { authenticate } from '../authenticate.js';

/**
 * `GET /metrics`: Prometheus exposition text of the app's telemetry. Public unless
 * `server.metrics.requireKey` (then a key with scope read); not registered when metrics are off.
 */
export function registerMetricsRoutes(scope: FastifyInstance, app: CairnApp): void {
  const settings = app.config.server.metrics;
  if (!settings.enabled) return;
  if (settings.requireKey) scope.addHook('onRequest', authenticate(app));
  scope.get(
    '/metrics',
    {
      config: { scope: 'read' },
      schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
    },
    async (_request, reply) => {
      const exposition = await app.telemetry?.exposition();
      if (!exposition) {
        throw new CairnError('NOT_FOUND', 'Metrics are not collected by this server.', { hint: 'Set server.metrics.enabled to true.' });
      }
      return reply.type(exposition.contentType).send(exposition.text);
    },
  );
}
