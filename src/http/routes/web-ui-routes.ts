import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** `web/dist` of the repository: this file sits at the same depth in `src/` and in `dist/`. */
export const DEFAULT_WEB_UI_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/** Paths that belong to the API and other handlers; the single-page fallback never answers them. */
const RESERVED = /^(v1|mcp|docs|metrics|healthz|readyz)(\/|$)/;

/** Vite names built assets by content hash, so they can be cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const MISSING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cairn: web UI not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<main><h1>The web UI is not built</h1>
<p>The server is running and the API answers under <code>/v1</code> (see <a href="/docs">/docs</a>), but <code>web/dist</code> is missing.</p>
<p>Build it with <code>npm run build</code> (or <code>npm ci</code>, which builds), then reload this page.</p></main>
</body></html>`;

/**
 * Serves the single-page web UI (public: it holds no data; it calls `/v1` with the key the person
 * types). `GET /` and `GET /*`: a file of `web/dist` when one matches, else `index.html` for app
 * routes. Reserved prefixes (`/v1`, `/mcp`, `/docs`, `/metrics`, `/healthz`, `/readyz`) and missing
 * files with an extension go to the server's problem+json 404. Hashed `assets/` are cached for a
 * year, everything else (index.html first) is `no-cache`. Without `web/dist`, a page says how to
 * build it. Register last: more specific routes win over `/*` regardless, but the order reads clearly.
 */
export async function registerWebUiRoutes(scope: FastifyInstance, root: string = DEFAULT_WEB_UI_DIR): Promise<void> {
  const built = existsSync(join(root, 'index.html'));
  if (built) await scope.register(fastifyStatic, { root, serve: false, cacheControl: false, etag: true, lastModified: true });
  else scope.log.warn({ root }, 'web UI not built: run npm run build to serve it at /');

  const answer = (path: string, reply: FastifyReply): FastifyReply => {
    if (RESERVED.test(path)) return notFound(reply);
    if (!built) return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(MISSING_PAGE);
    const file = staticFile(root, path);
    if (file) return reply.header('cache-control', file.startsWith('assets/') ? IMMUTABLE : 'no-cache').sendFile(file);
    if (/\.[A-Za-z0-9]+$/.test(path)) return notFound(reply);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  };

  scope.get('/', { schema: { hide: true } }, (_request, reply) => answer('', reply));
  scope.get('/*', { schema: { hide: true } }, (request, reply) => answer((request.params as { '*': string })['*'], reply));
}

/** Hands the request to the server's problem+json 404 handler. */
function notFound(reply: FastifyReply): FastifyReply {
  reply.callNotFound();
  return reply;
}

/** The path (already URL-decoded by the router) of an existing regular file under `root`, relative with `/` separators; never outside it. */
function staticFile(root: string, path: string): string | undefined {
  if (path === '' || path.includes('\0')) return undefined;
  const relative = normalize(path).replace(/^([/\\])+/, '');
  if (relative.startsWith('..') || relative.split(sep).includes('..')) return undefined;
  try {
    return statSync(join(root, relative)).isFile() ? relative.split(sep).join('/') : undefined;
  } catch {
    return undefined;
  }
}

