import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';

/**
 * Cross-origin access (config `server.cors.origins`): off when no origin is listed, so browsers keep
 * other sites' pages away from the API; `*` allows every origin. Keys travel in `Authorization`, never
 * in cookies, so credentials stay off. Preflights from an origin not listed get no allow headers, which
 * the browser treats as a refusal.
 */
export async function registerCors(server: FastifyInstance, app: CairnApp): Promise<void> {
  const origins = app.config.server.cors.origins;
  if (origins.length === 0) return;
  await server.register(fastifyCors, {
    origin: origins.includes('*') ? '*' : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'last-event-id', 'x-request-id', 'x-cairn-client'],
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
    credentials: false,
    maxAge: 600,
    strictPreflight: true,
  });
}
