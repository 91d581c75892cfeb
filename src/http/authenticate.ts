import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { keyCaller, LOCAL_CALLER, type Caller } from '../app/caller.js';
import { CairnError } from '../core/cairn-error.js';
import { scopeAllows, type ApiKeyRecord, type KeyScope } from '../stores/key-store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Scope an API key needs for the route; a route of the authenticated context without one needs `admin`. */
    scope?: KeyScope;
  }
  interface FastifyRequest {
    /** Id of the API key the auth hook verified (rate limits are kept per key); unset on public routes. */
    apiKeyId?: string;
    /** The API key the auth hook verified (never its secret); unset on public routes. */
    apiKey?: ApiKeyRecord;
  }
}

/** The key secret of `Authorization: Bearer <key>` or HTTP Basic (any user name, the key as password). */
export function keyFromAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, credentials] = header.trim().split(/\s+/, 2);
  if (!scheme || !credentials) return undefined;
  if (scheme.toLowerCase() === 'bearer') return credentials;
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/**
 * Whether the request carries an active key with `scope` (for public routes that show more to some
 * callers); never throws and never challenges.
 */
export async function requestHasScope(app: CairnApp, request: FastifyRequest, scope: KeyScope): Promise<boolean> {
  const secret = keyFromAuthorization(request.headers.authorization);
  const record = secret ? await app.keys.verify(secret) : undefined;
  return record?.scopes.some((held) => scopeAllows(held, scope)) ?? false;
}

/**
 * The onRequest hook of the authenticated context: 401 (with a `WWW-Authenticate` challenge) without
 * an active key, 403 when the key's scope is below the route's `config.scope`. Fails closed: a route
 * that declares no scope needs `admin`.
 */
export function authenticate(app: CairnApp) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const secret = keyFromAuthorization(request.headers.authorization);
    const record = secret ? await app.keys.verify(secret) : undefined;
    if (!record) {
      reply.header('www-authenticate', 'Bearer realm="cairn"');
      throw new CairnError('UNAUTHENTICATED', secret ? 'The API key is unknown or revoked.' : 'This route needs an API key.', {
        hint: 'Send `Authorization: Bearer <key>`; create a key with `cairn keys create`.',
      });
    }
    const needed = request.routeOptions.config.scope ?? 'admin';
    if (!record.scopes.some((held) => scopeAllows(held, needed))) {
      throw new CairnError('FORBIDDEN', `This route needs a key with scope "${needed}"; key ${record.prefix}… has ${record.scopes.join(', ') || 'none'}.`, {
        hint: `Use a key created with \`cairn keys create --scope ${needed}\`.`,
      });
    }
    request.apiKeyId = record.id;
    request.apiKey = record;
    request.log.debug({ key: record.id }, 'authenticated');
  };
}

/** The caller of a use case that keeps data per owner: the verified key (see app/caller.ts). */
export function callerOf(request: FastifyRequest): Caller {
  // Routes of the authenticated context always have a key; the local caller is never reached there.
  return request.apiKey ? keyCaller(request.apiKey) : { ...LOCAL_CALLER, admin: false };
}
