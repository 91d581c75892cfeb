import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { CairnError } from '../core/cairn-error.js';
import { authenticate, keyFromAuthorization } from '../http/authenticate.js';
import { scopeAllows } from '../stores/key-store.js';
import { createMcpServer } from './create-mcp-server.js';
import { assertHostAndOrigin, hostOriginPolicy } from './host-origin-guard.js';

export interface McpRoutesOptions {
  version: string;
}

/**
 * `/mcp`: the MCP Streamable HTTP transport in stateless mode. Every POST carries one JSON-RPC
 * message (or batch) and gets a JSON answer from a server built for that request with that key's
 * rights (read: every read tool; write or admin: also `ingest` and `remember`). GET (a standalone
 * server-to-client stream) and DELETE (ending a session) have no meaning without sessions: 405.
 *
 * Order of checks: Host/Origin (403, before anything else: DNS rebinding), then the API key
 * (401 without one, as every /v1 route; the route needs scope `read`).
 */
export async function registerMcpRoutes(scope: FastifyInstance, app: CairnApp, options: McpRoutesOptions): Promise<void> {
  const policy = hostOriginPolicy(app.config.server.host, app.config.mcp.allowedHosts, app.config.mcp.allowedOrigins);
  scope.addHook('onRequest', async (request) => {
    const origin = request.headers.origin;
    assertHostAndOrigin(policy, request.headers.host, Array.isArray(origin) ? origin[0] : origin);
  });
  scope.addHook('onRequest', authenticate(app));

  scope.post('/mcp', { config: { scope: 'read' }, schema: { hide: true } }, async (request, reply) => {
    const record = await app.keys.verify(keyFromAuthorization(request.headers.authorization) ?? '');
    if (!record) throw new CairnError('UNAUTHENTICATED', 'The API key is unknown or revoked.', { hint: 'Send `Authorization: Bearer <key>`.' });
    const canWrite = record.scopes.some((held) => scopeAllows(held, 'write'));
    const server = createMcpServer(app, { version: options.version, canWrite, keyId: record.id });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    transport.onerror = (error) => request.log.warn({ err: error }, 'mcp transport error');
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    reply.hijack();
    reply.raw.setHeader('x-request-id', request.id);
    try {
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    } catch (error) {
      // After hijack Fastify's error handler no longer answers: end the exchange here.
      request.log.error({ err: error }, 'mcp request failed');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(500, { 'content-type': 'application/json' });
        reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
      } else if (!reply.raw.writableEnded) reply.raw.end();
    }
  });

  // As the SDK's own stateless servers answer: 405 with a JSON-RPC error and `Allow: POST`.
  const notAllowed = async (_request: unknown, reply: FastifyReply): Promise<void> => {
    await reply
      .status(405)
      .header('allow', 'POST')
      .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP endpoint is stateless; POST each JSON-RPC message.' }, id: null });
  };
  scope.get('/mcp', { config: { scope: 'read' }, schema: { hide: true } }, notAllowed);
  scope.delete('/mcp', { config: { scope: 'read' }, schema: { hide: true } }, notAllowed);
}
