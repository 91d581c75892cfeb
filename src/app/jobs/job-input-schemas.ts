import { z } from 'zod';
import { collectionNameSchema, crawlOptionsSchema } from '../input-schemas.js';

/** A web site to crawl: its start page and the crawl's options. */
export const crawlJobInputSchema = crawlOptionsSchema.extend({
  url: z.string().trim().min(1).max(4096).regex(/^https?:\/\//i, 'an http:// or https:// URL'),
});

/** Shared by the HTTP routes and the MCP tools: add a server-side path, a git URL or a web site to crawl as a job. */
export const sourceJobInputSchema = z
  .object({
    collection: collectionNameSchema,
    path: z.string().trim().min(1).max(4096).optional(),
    git: z.string().trim().min(1).max(4096).optional(),
    crawl: crawlJobInputSchema.optional(),
    tags: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
    /** Remove documents of this source that are gone from it. */
    prune: z.boolean().optional(),
  })
  .strict()
  .refine((input) => [input.path, input.git, input.crawl].filter((source) => source !== undefined).length === 1, { message: 'give exactly one of path, git and crawl', path: ['path'] });

export type SourceJobInput = z.infer<typeof sourceJobInputSchema>;

export const jobStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);

export const jobListInputSchema = z
  .object({
    status: jobStatusSchema.optional(),
    collection: collectionNameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

export type JobListInput = z.infer<typeof jobListInputSchema>;

export const jobIdSchema = z.string().trim().min(1).max(100);

/** Tags of a multipart upload: a comma-separated text field. */
export function parseTagList(text: string): string[] {
  return text.split(',').map((tag) => tag.trim()).filter((tag) => tag !== '');
}
