import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { jobListInputSchema } from '../../app/jobs/job-input-schemas.js';
import type { JobRunner } from '../../app/jobs/job-runner.js';
import { listJobs } from '../../app/jobs/submit-jobs.js';
import { parseInput } from '../../app/parse-input.js';
import { publicJob } from '../../stores/job-store.js';
import { withProblems } from '../http-schemas.js';
import { jobListQuerySchema, jobParamsSchema, jobSchema } from './job-http-schemas.js';
import { seqFromLastEventId, streamAllEvents, streamJobEvents, type StreamRegistry } from './job-event-stream.js';

const lastEventIdHeaders = z.looseObject({ 'last-event-id': z.string().max(200).optional() });

/** `/v1/jobs`: list, get, cancel, and the SSE progress of one job. */
export function registerJobsRoutes(scope: FastifyInstance, runner: JobRunner, streams: StreamRegistry): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '',
    { config: { scope: 'read' }, schema: { tags: ['jobs'], querystring: jobListQuerySchema, response: withProblems(z.object({ items: z.array(jobSchema), nextCursor: z.string().nullable() })) } },
    async (request) => {
      const page = await listJobs(runner, parseInput(jobListInputSchema, request.query));
      return { items: page.items.map(publicJob), nextCursor: page.nextCursor };
    },
  );

  routes.get(
    '/:id',
    { config: { scope: 'read' }, schema: { tags: ['jobs'], params: jobParamsSchema, response: withProblems(jobSchema) } },
    async (request) => publicJob(await runner.get(request.params.id)),
  );

  routes.post(
    '/:id/cancel',
    { config: { scope: 'write' }, schema: { tags: ['jobs'], params: jobParamsSchema, response: withProblems(jobSchema) } },
    async (request) => publicJob(await runner.cancel(request.params.id)),
  );

  routes.get(
    '/:id/events',
    {
      config: { scope: 'read' },
      exposeHeadRoute: false,
      schema: {
        tags: ['jobs'],
        description: 'Server-Sent Events: `snapshot` (the job), then `progress`, `file` and `status` events (id `<jobId>:<seq>`), ending after the final `status`. Send `Last-Event-ID` to resume.',
        params: jobParamsSchema,
        headers: lastEventIdHeaders,
      },
    },
    async (request, reply) => {
      const afterSeq = seqFromLastEventId(request.headers['last-event-id'], request.params.id);
      await streamJobEvents(reply, runner, request.params.id, afterSeq, streams);
    },
  );
}

/** `/v1/events`: the events of every job as one SSE stream. */
export function registerEventsRoutes(scope: FastifyInstance, runner: JobRunner, streams: StreamRegistry): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '',
    {
      config: { scope: 'read' },
      exposeHeadRoute: false,
      schema: {
        tags: ['jobs'],
        description: 'Server-Sent Events of all jobs (id: a global event number). Without `Last-Event-ID` only new events are sent; with it, the stored ones after it first.',
        headers: lastEventIdHeaders,
      },
    },
    async (request, reply) => {
      const header = request.headers['last-event-id'];
      const afterId = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      await streamAllEvents(reply, runner, afterId, streams);
    },
  );
}
