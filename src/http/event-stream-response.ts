import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * Takes the response over from Fastify and starts a `text/event-stream`. Headers that hooks already
 * set on the reply (request id, CORS allow headers, rate-limit headers) go out with it: a hijacked
 * reply skips Fastify's own header writing, so without them a cross-origin browser could not read
 * the stream.
 */
export function openEventStream(reply: FastifyReply): ServerResponse {
  const fromHooks: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) fromHooks[name] = value;
  reply.hijack();
  reply.raw.writeHead(200, {
    ...fromHooks,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': reply.request.id,
  });
  return reply.raw;
}
