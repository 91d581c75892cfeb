// biome-ignore-all lint/nursery/noMisusedPromises: Fastify's register takes async plugins (it awaits them); Biome's inference expects a void callback.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { CairnApp } from '../app/cairn-app.js';
import { CairnError } from '../core/cairn-error.js';
import { PROBLEM_CONTENT_TYPE, problemFromError } from './problem-details.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';

/**
 * The small server of `cairn worker`: `/healthz`, `/readyz` (the store answers; details to an admin
 * key, as on the API) and `/metrics`, nothing else: a worker serves no API.
 */
export async function buildWorkerServer(app: CairnApp, options: { version: string; logger?: FastifyServerOptions['logger'] }): Promise<FastifyInstance> {
  const server = Fastify({ logger: options.logger ?? false, disableRequestLogging: true });
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
  await server.register(async (scope) => registerHealthRoutes(scope, app, options.version));
  await server.register(async (scope) => registerMetricsRoutes(scope, app));
  server.setNotFoundHandler((request, reply) => {
    void reply.status(404).type(PROBLEM_CONTENT_TYPE).send(problemFromError(new CairnError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}: a worker serves no API.`, { hint: 'Call the API process (cairn serve); a worker answers /healthz, /readyz and /metrics only.' }), request.url));
  });
  return server;
}
