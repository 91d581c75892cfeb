import { randomUUID } from 'node:crypto';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { CairnApp } from '../app/cairn-app.js';
import { authenticate } from './authenticate.js';
import { registerAskRoutes } from './routes/ask-routes.js';
import { registerCollectionsRoutes } from './routes/collections-routes.js';
import { registerDocumentsRoutes } from './routes/documents-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerKeysRoutes } from './routes/keys-routes.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { PROBLEM_CONTENT_TYPE, problemFromError } from './problem-details.js';

export interface BuildServerOptions {
  /** Cairn's version, shown in the OpenAPI document and `/readyz`. */
  version: string;
  /** Pino options, a pino-compatible logger config, or false (tests) to log nothing. */
  logger?: FastifyServerOptions['logger'];
  /** Defaults: the app's `server` configuration. */
  bodyLimitBytes?: number;
  requestTimeoutMs?: number;
  /** Called for every route as it is registered (the auth test walks them all). */
  onRoute?: (route: RouteOptions) => void;
}

/**
 * Builds the HTTP API around an open app without listening (tests call `inject`; `cairn serve`
 * calls `listen`). Every API route is under `/v1`; `/healthz`, `/readyz` and `/docs` are not.
 * Errors of every route go through one handler and become application/problem+json. Every `/v1`
 * route needs an API key with the scope of its `config.scope` (see authenticate.ts).
 */
export async function buildServer(app: CairnApp, options: BuildServerOptions): Promise<FastifyInstance> {
  const server = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? app.config.server.bodyLimitBytes,
    requestTimeout: options.requestTimeoutMs ?? app.config.server.requestTimeoutMs,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  if (options.onRoute) server.addHook('onRoute', options.onRoute);
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  server.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
    else request.log.info({ code: problem.code }, problem.detail);
    if (reply.sent || reply.raw.headersSent) return;
    void reply.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
  server.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send({
        type: 'urn:cairn:error:NOT_FOUND',
        title: 'Not found',
        status: 404,
        detail: `No route ${request.method} ${request.url.split('?')[0]}.`,
        code: 'NOT_FOUND',
        hint: 'See the API at /docs.',
        instance: request.url,
      });
  });

  await server.register(fastifySwagger, {
    openapi: {
      info: { title: 'Cairn API', description: 'Search and ask your documents and code.', version: options.version },
    },
    transform: jsonSchemaTransform,
  });
  await server.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await server.register(async (scope) => registerHealthRoutes(scope, app, options.version));
  // Everything under /v1 is the authenticated context: one hook checks the key and the scope each
  // route declares in `config.scope`. Public routes (health, docs) are registered outside it.
  await server.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(app));
      await v1.register(async (scope) => registerCollectionsRoutes(scope, app), { prefix: '/collections' });
      await v1.register(async (scope) => registerDocumentsRoutes(scope, app), { prefix: '/collections' });
      await v1.register(async (scope) => registerSearchRoutes(scope, app), { prefix: '/search' });
      await v1.register(async (scope) => registerAskRoutes(scope, app), { prefix: '/ask' });
      await v1.register(async (scope) => registerKeysRoutes(scope, app), { prefix: '/keys' });
    },
    { prefix: '/v1' },
  );
  return server;
}
