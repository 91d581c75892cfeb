import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CairnApp } from '../../app/cairn-app.js';
import { documentSourceActions, readOriginalFile } from '../../app/document-original.js';
import { listDocuments, removeDocuments, showDocument } from '../../app/documents.js';
import { documentListInputSchema } from '../../app/input-schemas.js';
import { sourceJobInputSchema } from '../../app/jobs/job-input-schemas.js';
import type { JobRunner } from '../../app/jobs/job-runner.js';
import { submitReingestJob, submitSourceJob } from '../../app/jobs/submit-jobs.js';
import { parseInput } from '../../app/parse-input.js';
import { publicJob } from '../../stores/job-store.js';
import { chunkSchema, collectionParamsSchema, documentListQuerySchema, documentParamsSchema, documentSchema, withProblems } from '../http-schemas.js';
import { jobSchema } from './job-http-schemas.js';
import { receiveMultipartUpload } from './receive-upload.js';

const documentPageSchema = z.object({ total: z.number(), limit: z.number(), offset: z.number(), items: z.array(documentSchema) });

const sourceActionsSchema = z
  .object({ kind: z.enum(['file', 'git', 'upload', 'other']), reingest: z.boolean(), original: z.boolean(), reason: z.string().optional() })
  .describe('what the server can still do with the source: re-ingest it, hand out the original file (and why not)');

const acceptedJobSchema = { 202: z.object({ job: jobSchema }), '4xx': withProblems(jobSchema)['4xx'], '5xx': withProblems(jobSchema)['5xx'] };

/**
 * `/v1/collections/:name/documents`: server-side paginated list with sort and text filter, get with
 * chunks, delete; with a job runner also add (multipart upload, or JSON `{path}`/`{git}`/`{crawl}`) and
 * re-ingest, both answered 202 with the queued job.
 */
export function registerDocumentsRoutes(scope: FastifyInstance, app: CairnApp, runner?: JobRunner): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  if (runner) {
    routes.post(
      '/:name/documents',
      {
        config: { scope: 'write' },
        schema: {
          tags: ['documents'],
          description:
            'Add documents as a job. `multipart/form-data`: one or many file parts (folder names kept) and an optional `tags` field (comma-separated). ' +
            '`application/json`: `{ path?, git?, crawl?, tags?, prune? }` with exactly one of path (inside sources.allowedDirs), git and crawl (public hosts unless sources.allowPrivateNetworks). ' +
            '`crawl`: `{ url, maxPages?, maxDepth?, scope?, include?, exclude?, sitemap? }`, a documentation site crawled from `url` (sitemap first, else links; robots.txt honoured; every request and redirect hop checked).',
          params: collectionParamsSchema,
          response: acceptedJobSchema,
        },
      },
      async (request, reply) => {
        const collection = request.params.name;
        // Refuse before receiving any file when the queue is full.
        await runner.assertCapacity();
        const job = request.isMultipart()
          ? await receiveMultipartUpload(request, runner, app, collection)
          : await submitSourceJob(app, runner, parseInput(sourceJobInputSchema, withCollection(request.body, collection)));
        return reply.status(202).send({ job: publicJob(job) });
      },
    );

    routes.post(
      '/:name/documents/:id/reingest',
      { config: { scope: 'write' }, schema: { tags: ['documents'], params: documentParamsSchema, response: acceptedJobSchema } },
      async (request, reply) => {
        const job = await submitReingestJob(app, runner, request.params.name, request.params.id);
        return reply.status(202).send({ job: publicJob(job) });
      },
    );
  }
  routes.get(
    '/:name/documents',
    { config: { scope: 'read' }, schema: { tags: ['documents'], params: collectionParamsSchema, querystring: documentListQuerySchema, response: withProblems(documentPageSchema) } },
    async (request) => {
      const { q, ...rest } = request.query;
      const input = parseInput(documentListInputSchema, { collection: request.params.name, ...(q ? { text: q } : {}), ...rest });
      const page = await listDocuments(app, input);
      return { total: page.total, limit: input.limit, offset: input.offset, items: page.items };
    },
  );

  routes.get(
    '/:name/documents/:id',
    {
      config: { scope: 'read' },
      schema: { tags: ['documents'], params: documentParamsSchema, response: withProblems(z.object({ document: documentSchema, chunks: z.array(chunkSchema), source: sourceActionsSchema })) },
    },
    async (request) => {
      const shown = await showDocument(app, request.params.name, request.params.id);
      return { ...shown, source: await documentSourceActions(shown.document) };
    },
  );

  routes.get(
    '/:name/documents/:id/original',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['documents'],
        description:
          'The original file of a document ingested from a server path, byte for byte as ingested (always as an attachment). ' +
          '404 ORIGINAL_UNAVAILABLE for uploads and git files (no copy is kept) and for files changed or removed since.',
        params: documentParamsSchema,
        response: { 200: z.any().describe('the file'), '4xx': withProblems(z.null())['4xx'], '5xx': withProblems(z.null())['5xx'] },
      },
    },
    async (request, reply) => {
      const original = await readOriginalFile(app, request.params.name, request.params.id);
      // Attachment, no sniffing and a sandbox: an HTML original must never run as a page of the UI's origin.
      return reply
        .type(original.mediaType)
        .header('content-disposition', `attachment; filename="${asciiFileName(original.fileName)}"; filename*=UTF-8''${encodeURIComponent(original.fileName)}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', 'sandbox')
        .header('cache-control', 'private, no-store')
        .send(original.bytes);
    },
  );

  routes.delete(
    '/:name/documents/:id',
    { config: { scope: 'write' }, schema: { tags: ['documents'], params: documentParamsSchema, response: withProblems(z.object({ removed: z.array(z.object({ id: z.number(), uri: z.string() })) })) } },
    async (request) => {
      const removed = await removeDocuments(app, request.params.name, [request.params.id]);
      return { removed: removed.map((d) => ({ id: d.id, uri: d.uri })) };
    },
  );
}

/** The JSON body with the collection of the path; a body that is not an object is left to fail validation. */
function withCollection(body: unknown, collection: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, collection } : body;
}

/** The file name for the plain `filename=` parameter: ASCII without quotes or backslashes (RFC 6266 fallback). */
function asciiFileName(name: string): string {
  return name.replace(/[^\x20-\x7e]|["\\]/g, '_');
}
