import { z } from 'zod';
import { jobIdSchema, jobStatusSchema } from '../../app/jobs/job-input-schemas.js';

export const jobProgressSchema = z.object({
  filesTotal: z.number().nullable(),
  filesDone: z.number(),
  filesFailed: z.number(),
  filesSkipped: z.number(),
  chunksTotal: z.number().nullable(),
  chunksDone: z.number(),
  chunksPerSecond: z.number(),
  embeddingsPerSecond: z.number(),
  device: z.string().optional().describe('Where the run embeds: cpu, cuda, remote (a server) or none (lexical-only).'),
  embedder: z.string().optional(),
  elapsedMs: z.number().optional().describe('Wall time of the run so far (of the whole run once it ended).'),
});

export const jobSchema = z.object({
  id: z.string(),
  collection: z.string(),
  kind: z.enum(['upload', 'path', 'git', 'crawl', 'reingest']),
  status: jobStatusSchema,
  sources: z.array(z.string()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: jobProgressSchema,
  errors: z.array(z.object({ file: z.string(), code: z.string(), reason: z.string() })),
  error: z.string().nullable(),
});

export const jobParamsSchema = z.object({ id: jobIdSchema });

export const jobListQuerySchema = z
  .object({
    status: jobStatusSchema.optional(),
    collection: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(200).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict();
