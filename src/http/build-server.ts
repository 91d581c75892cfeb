// biome-ignore-all lint/nursery/noMisusedPromises: Fastify's register takes async plugins (it awaits them); Biome's inference expects a void callback.
import { randomUUID } from 'node:crypto';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { BackupService } from '../app/backup/backup-service.js';
import type { CairnApp } from '../app/cairn-app.js';
import { createJobRunner } from '../app/jobs/create-job-runner.js';
import type { JobRunner } from '../app/jobs/job-runner.js';
import { authenticate } from './authenticate.js';
import { registerCors } from './plugins/cors-plugin.js';
import { registerRequestMetrics } from './plugins/metrics-plugin.js';
import { registerRateLimit } from './plugins/rate-limit-plugin.js';
import { registerAnalyticsRoutes } from './routes/analytics-routes.js';
import { registerAskRoutes } from './routes/ask-routes.js';
import { registerBackupsRoutes } from './routes/backups-routes.js';
import { registerChatRoutes } from './routes/chat-routes.js';
import { registerBenchmarkRoutes } from './routes/benchmark-routes.js';
import { registerCollectionsRoutes } from './routes/collections-routes.js';
import { registerDocumentsRoutes } from './routes/documents-routes.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import type { StreamRegistry } from './routes/job-event-stream.js';
import { registerEventsRoutes, registerJobsRoutes } from './routes/jobs-routes.js';
import { registerKeysRoutes } from './routes/keys-routes.js';
import { registerMemoriesRoutes } from './routes/memories-routes.js';
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerSearchRoutes } from './routes/search-routes.js';
import { registerSettingsRoutes } from './routes/settings-routes.js';
import { registerWebUiRoutes } from './routes/web-ui-routes.js';
import { registerMcpRoutes } from '../mcp/mcp-http-routes.js';
import { registerOpenAiRoutes } from './openai/register-openai-routes.js';
import { writeClientErrorProblem } from './client-error-problem.js';
import { API_KEY_SECURITY_SCHEMES, openApiTransform } from './openapi-security.js';
import { CairnError, isCairnError } from '../core/cairn-error.js';
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
  /** Folder of the built web UI served at `/`; default the repository's `web/dist`. */
  webUiDir?: string;
  /**
   * Runs ingestion jobs; the caller starts and stops it (`cairn serve` stops it before closing the
   * store). Absent: the server makes one from `app.jobs`, starts it when ready and stops it on close.
   */
  jobRunner?: JobRunner;
  /**
   * The server's backups (`/v1/backups`, the backup gauges); `cairn serve` passes the one its schedule
   * uses. Absent: the server makes one when the app's store can make backups.
   */
  backups?: BackupService;
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
    clientErrorHandler: writeClientErrorProblem,
    // What the router refuses before any hook runs (a malformed percent-escape: FST_ERR_BAD_URL) is a
    // problem document like every other error, not Fastify's plain JSON.
    frameworkErrors: (error, request, reply) => {
      const problem = problemFromError(frameworkError(error), request.url);
      void (reply as FastifyReply).header('x-request-id', request.id).status(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
    },
    // One log line per request (written on response below) instead of Fastify's two.
    disableRequestLogging: true,
  });
  if (options.onRoute) server.addHook('onRoute', options.onRoute);
  server.setValidatorCompiler(validatorCompiler);
  server.setSerializerCompiler(serializerCompiler);
  server.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  server.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request');
  });
  const ownsRunner = options.jobRunner === undefined && app.jobs !== undefined;
  const jobRunner = options.jobRunner ?? createJobRunner(app, (message, error) => server.log.error({ err: error }, message));
  // Open SSE streams end before the server waits for its connections to finish.
  const jobStreams: StreamRegistry = new Set();
  server.addHook('preClose', async () => {
    for (const end of [...jobStreams]) end();
    if (ownsRunner) await jobRunner?.stop();
  });
  if (ownsRunner) server.addHook('onReady', async () => jobRunner?.start());
  const backups = options.backups ?? (app.backup ? new BackupService(app, { version: options.version, onError: (message, error) => server.log.error({ err: error }, message) }) : undefined);
  if (!options.backups) server.addHook('preClose', async () => backups?.stop());
  await server.register(fastifyMultipart);
  // Root-level hooks and plugins that attach to routes as they are added: before any route.
  registerRequestMetrics(server, app);
  await registerCors(server, app);
  await registerRateLimit(server, app);

  server.setErrorHandler((error, request, reply) => {
    const problem = problemFromError(error, request.url);
    if (problem.status >= 500) request.log.error({ err: error }, problem.detail);
    else request.log.info({ code: problem.code }, problem.detail);
    if (reply.sent || reply.raw.headersSent) return;
    if (isCairnError(error) && error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
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
      components: { securitySchemes: API_KEY_SECURITY_SCHEMES },
    },
    transform: openApiTransform((url) => url.startsWith('/v1/') || (url === '/metrics' && app.config.server.metrics.requireKey)),
  });
  await server.register(fastifySwaggerUi, { routePrefix: '/docs' });

  await server.register(async (scope) => registerHealthRoutes(scope, app, options.version));
  await server.register(async (scope) => registerMetricsRoutes(scope, app));
  // Everything under /v1 is the authenticated context: one hook checks the key and the scope each
  // route declares in `config.scope`. Public routes (health, docs) are registered outside it.
  await server.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate(app));
      await v1.register(async (scope) => registerCollectionsRoutes(scope, app), { prefix: '/collections' });
      await v1.register(async (scope) => registerDocumentsRoutes(scope, app, jobRunner), { prefix: '/collections' });
      if (jobRunner) {
        await v1.register(async (scope) => registerJobsRoutes(scope, jobRunner, jobStreams), { prefix: '/jobs' });
        await v1.register(async (scope) => registerEventsRoutes(scope, jobRunner, jobStreams), { prefix: '/events' });
      }
      await v1.register(async (scope) => registerSearchRoutes(scope, app), { prefix: '/search' });
      await v1.register(async (scope) => registerAskRoutes(scope, app), { prefix: '/ask' });
      await v1.register(async (scope) => registerKeysRoutes(scope, app), { prefix: '/keys' });
      await v1.register(async (scope) => registerChatRoutes(scope, app), { prefix: '/chat' });
      await v1.register(async (scope) => registerMemoriesRoutes(scope, app), { prefix: '/memories' });
      await v1.register(async (scope) => registerBenchmarkRoutes(scope, app), { prefix: '/benchmarks' });
      if (backups) await v1.register(async (scope) => registerBackupsRoutes(scope, backups, app.config.backup.schedule), { prefix: '/backups' });
      await v1.register(async (scope) => registerSettingsRoutes(scope, app), { prefix: '/settings' });
      await v1.register(async (scope) => registerAnalyticsRoutes(scope, app), { prefix: '/analytics' });
      // OpenAI-compatible: /v1/models, /v1/chat/completions, /v1/embeddings, with OpenAI-shaped errors.
      await v1.register(async (scope) => registerOpenAiRoutes(scope, app));
    },
    { prefix: '/v1' },
  );
  // `/mcp`: MCP Streamable HTTP with the same API keys (Host/Origin checked first); see src/mcp/mcp-http-routes.ts.
  await server.register(async (scope) => registerMcpRoutes(scope, app, { version: options.version }));
  // Last: the web UI's `/*` fallback answers only what no route above claims.
  await server.register(async (scope) => registerWebUiRoutes(scope, options.webUiDir));
  return server;
}

/** Fastify's router errors as Cairn errors: a bad URL is the client's (INPUT_INVALID), anything else ours. */
function frameworkError(error: Error & { code?: string }): CairnError {
  if (error.code === 'FST_ERR_BAD_URL') {
    return new CairnError('INPUT_INVALID', `The request URL is not valid: ${error.message}.`, {
      hint: 'Percent-encode each path segment (encodeURIComponent); a literal "%" is "%25".',
    });
  }
  return new CairnError('INTERNAL', error.message, { cause: error });
}
