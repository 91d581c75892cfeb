import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';

/**
 * Times every response into the `http.requestMs` measurement, labelled by the route pattern
 * (`/v1/collections/:name`, never the raw URL, so label values stay bounded; `unmatched` for 404s of
 * unknown paths), the method and the status code. Added on the root instance before the routes.
 */
export function registerRequestMetrics(server: FastifyInstance, app: CairnApp): void {
  const telemetry = app.telemetry;
  if (!telemetry || !app.config.server.metrics.enabled) return;
  server.addHook('onResponse', async (request, reply) => {
    telemetry.observe('http.requestMs', reply.elapsedTime, {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status_code: String(reply.statusCode),
    });
  });
}
