import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BackupService } from '../../app/backup/backup-service.js';
import { listArchives } from '../../app/backup/list-backups.js';
import { withProblems } from '../http-schemas.js';

const runSchema = z.object({
  id: z.string(),
  trigger: z.enum(['schedule', 'api']),
  status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  archive: z.object({ name: z.string(), bytes: z.number(), createdAt: z.string() }).nullable(),
  counts: z.object({ collections: z.number(), documents: z.number(), chunks: z.number(), vectors: z.number() }).nullable(),
  millis: z.number().nullable(),
  error: z.string().nullable(),
});
const archiveSchema = z.object({ name: z.string(), createdAt: z.string(), bytes: z.number() });
const listSchema = z.object({
  dir: z.string(),
  schedule: z.string().nullable(),
  running: runSchema.nullable(),
  last: runSchema.nullable(),
  archives: z.array(archiveSchema).describe('newest first'),
});
const createQuerySchema = z
  .object({ wait: z.enum(['true', 'false']).optional().describe('true: answer 201 once the archive is written, instead of 202 at once') })
  .strict();
const problems = withProblems(z.object({ backup: runSchema }));
const createResponses = { 201: z.object({ backup: runSchema }), 202: z.object({ backup: runSchema }), '4xx': problems['4xx'], '5xx': problems['5xx'] };

/**
 * `/v1/backups` (scope admin). `POST` starts a backup and answers 202 with its record at once (a
 * backup of a large store takes tens of seconds, longer than a client should hold a request), or with
 * `?wait=true` 201 once the archive is written; 409 BACKUP_RUNNING while one runs. `GET` lists the
 * archives of backup.dir and this server's running and latest backup.
 */
export function registerBackupsRoutes(scope: FastifyInstance, backups: BackupService, schedule: string | undefined): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  const config = { scope: 'admin' as const };
  routes.get('', { config, schema: { tags: ['backups'], summary: 'Backup archives and the backup in progress', response: withProblems(listSchema) } }, async () => ({
    dir: backups.dir,
    schedule: schedule ?? null,
    running: backups.running ?? null,
    last: backups.last ?? null,
    archives: (await listArchives(backups.dir)).map(({ name, createdAt, bytes }) => ({ name, createdAt, bytes })),
  }));
  routes.post(
    '',
    { config, schema: { tags: ['backups'], summary: 'Make a backup now', querystring: createQuerySchema, response: createResponses } },
    async (request, reply) => {
      const { run, done } = backups.start('api');
      if (request.query.wait !== 'true') return reply.status(202).send({ backup: run });
      const outcome = await done;
      if (outcome.error) throw outcome.error;
      return reply.status(201).send({ backup: outcome.run });
    },
  );
}
