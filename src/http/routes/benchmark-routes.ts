import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { benchmarkScaling, scalingBenchmarkInputSchema } from '../../app/benchmark-scaling.js';
import { CairnError } from '../../core/cairn-error.js';
import { withProblems } from '../http-schemas.js';

const scalingResultSchema = z.object({
  startedAt: z.string(),
  collection: z.string(),
  mode: z.enum(['lexical', 'dense', 'hybrid']).describe('the mode that ran'),
  requestedMode: z.enum(['lexical', 'dense', 'hybrid']),
  notices: z.array(z.string()).describe('why the run differs from what was asked, e.g. lexical for a collection without vectors'),
  steps: z.array(
    z.object({
      concurrency: z.number(),
      requests: z.number(),
      errors: z.number(),
      throughputRps: z.number(),
      p50Ms: z.number(),
      p95Ms: z.number(),
      p99Ms: z.number(),
    }),
  ),
  ingest: z.object({ chunksPerSecond: z.number().nullable(), at: z.string().nullable() }),
});

/**
 * `POST /v1/benchmarks/scaling` (admin): search throughput and latency at concurrency 1, 2, 4, … in
 * this process (see benchmarkScaling). Only from a loopback address unless
 * `server.benchmarks.allowRemote`, since a run saturates the server; one run at a time (409).
 * Closing the connection stops the run.
 */
export function registerBenchmarkRoutes(scope: FastifyInstance, app: CairnApp): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/scaling',
    { config: { scope: 'admin' }, schema: { tags: ['operations'], body: scalingBenchmarkInputSchema, response: withProblems(scalingResultSchema) } },
    async (request) => {
      if (!app.config.server.benchmarks.allowRemote && !isLoopback(request)) {
        throw new CairnError('FORBIDDEN', `Benchmarks run only for loopback clients; this request came from ${request.ip}.`, {
          hint: 'Call it from the server machine, or set server.benchmarks.allowRemote to true.',
        });
      }
      const controller = new AbortController();
      const onClose = () => controller.abort();
      request.raw.socket?.once('close', onClose);
      try {
        return await benchmarkScaling(app, request.body, controller.signal);
      } finally {
        request.raw.socket?.off('close', onClose);
      }
    },
  );
}

function isLoopback(request: FastifyRequest): boolean {
  const address = request.socket.remoteAddress ?? '';
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
