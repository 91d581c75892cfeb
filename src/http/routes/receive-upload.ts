import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import type { CairnApp } from '../../app/cairn-app.js';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import { parseTagList } from '../../app/jobs/job-input-schemas.js';
import type { JobRunner } from '../../app/jobs/job-runner.js';
import { tooLarge, tooMany, UploadReceiver } from '../../app/jobs/upload-receiver.js';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import type { StoredJob } from '../../stores/job-store.js';
import { LocalUploadStore } from '../../stores/uploads/local-upload-store.js';

/** Text fields besides `tags` are ignored; these bound what a client can make the parser hold. */
const FIELD_LIMITS = { fields: 20, fieldSize: 64 * 1024, headerPairs: 200 };

/**
 * Streams the file parts of a multipart request into the upload store under a new job and queues it.
 * Limits (`jobs.maxUploadBytes` per file, `jobs.maxFilesPerUpload`) answer 413 UPLOAD_TOO_LARGE;
 * a malformed body answers 400. Nothing is kept when the request fails.
 */
export async function receiveMultipartUpload(request: FastifyRequest, runner: JobRunner, app: CairnApp, collection: string): Promise<StoredJob> {
  parseInput(collectionNameSchema, collection);
  const config = app.config;
  const limits = config.jobs;
  const receiver = UploadReceiver.open(app.uploads ?? new LocalUploadStore(limits.uploadsDir ?? join(config.home, 'uploads')), limits);
  let tags: string[] = [];
  try {
    const parts = request.parts({
      preservePath: true,
      limits: { ...FIELD_LIMITS, fileSize: limits.maxUploadBytes, files: limits.maxFilesPerUpload + 1, parts: limits.maxFilesPerUpload + FIELD_LIMITS.fields + 1 },
    });
    for await (const part of parts) {
      if (part.type === 'file') await receiver.addFile(part.filename, part.file);
      else if (part.fieldname === 'tags' && typeof part.value === 'string') tags = parseTagList(part.value);
    }
    return await receiver.submit(runner, collection, tags);
  } catch (error) {
    await receiver.discard();
    throw multipartError(error, limits);
  }
}

/** Maps the multipart parser's errors to Cairn's; other failures (the disk) pass unchanged. */
function multipartError(error: unknown, limits: CairnConfig['jobs']): unknown {
  if (error instanceof CairnError) return error;
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge((error as { part?: { filename?: string } }).part?.filename ?? 'a file', limits.maxUploadBytes);
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') return tooMany(limits.maxFilesPerUpload);
  const isSystemError = typeof (error as { errno?: unknown }).errno === 'number' || typeof (error as { syscall?: unknown }).syscall === 'string';
  if (isSystemError) return error;
  return new CairnError('INPUT_INVALID', `The multipart body is malformed: ${(error as Error).message ?? String(error)}.`, {
    cause: error,
    hint: 'Send multipart/form-data with a boundary and complete parts (curl -F file=@handbook.pdf).',
  });
}
