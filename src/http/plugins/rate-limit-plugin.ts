import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CairnApp } from '../../app/cairn-app.js';
import { CairnError } from '../../core/cairn-error.js';

const KEY_PREFIX = 'key:';

/**
 * Rate limits of every route (config `server.rateLimit`): per API key on authenticated routes, per
 * client IP on the others. Runs as a route-level onRequest hook, after the auth hook of the route's
 * context, so requests with an unknown key are answered 401 without spending anyone's budget, and a
 * bucket is named by the verified key's id (`request.apiKeyId`), never by the secret. Over the limit:
 * 429 problem+json RATE_LIMITED with `Retry-After` (seconds).
 *
 * With `redisUrl` the counters live in Redis, so every instance pointing at it shares them. When Redis
 * cannot be reached requests are let through (availability over strictness) and a warning is logged
 * once. Must be registered before the routes: the plugin attaches itself to routes as they are added.
 */
export async function registerRateLimit(server: FastifyInstance, app: CairnApp): Promise<void> {
  const settings = app.config.server.rateLimit;
  if (!settings.enabled) return;
  const redis = settings.redisUrl ? await connectRedis(server, settings.redisUrl) : undefined;
  const windowSeconds = Math.round(settings.timeWindowMs / 1000);
  if (!server.hasRequestDecorator('apiKeyId')) server.decorateRequest('apiKeyId', undefined);
  await server.register(fastifyRateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: settings.timeWindowMs,
    max: (_request: FastifyRequest, key: string) => (key.startsWith(KEY_PREFIX) ? settings.max : settings.maxPerIp),
    keyGenerator: (request: FastifyRequest) => (request.apiKeyId ? `${KEY_PREFIX}${request.apiKeyId}` : `ip:${request.ip}`),
    skipOnError: true,
    onExceeded: () => app.telemetry?.count('http.rateLimited'),
    errorResponseBuilder: (request: FastifyRequest, context: { max: number; after: string }) => {
      const who = request.apiKeyId ? 'this API key' : 'this address';
      return new CairnError('RATE_LIMITED', `Too many requests: ${who} may make ${context.max} requests per ${windowSeconds} s. Retry in ${context.after}.`, {
        hint: 'Wait the Retry-After seconds, or raise server.rateLimit.max (CAIRN_RATE_LIMIT_MAX).',
        retryable: true,
      });
    },
    ...(redis ? { redis, nameSpace: 'cairn:rate-limit:' } : {}),
  });
}

async function connectRedis(server: FastifyInstance, url: string) {
  const { Redis } = await import('ioredis');
  // No offline queue: while Redis is away a command fails at once (and the request passes) instead of waiting.
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 });
  let warned = false;
  redis.on('error', (error: Error) => {
    if (warned) return;
    warned = true;
    server.log.warn({ err: error }, `Rate limits: Redis at ${redactUrl(url)} is unreachable; requests pass unlimited until it answers.`);
  });
  redis.on('ready', () => {
    warned = false;
  });
  await redis.connect().catch(() => {});
  server.addHook('onClose', async () => {
    redis.disconnect();
  });
  return redis;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
