import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { CairnError } from '../../core/cairn-error.js';
import { FINISHED_STATUSES, type JobStore, type StoredJob } from '../../stores/job-store.js';
import type { UploadStore } from '../../stores/upload-store.js';
import { duplicate } from '../../stores/uploads/local-upload-store.js';
import type { JobRunner } from './job-runner.js';

/** Documents of uploaded files get `upload://<relative name>`: the same name updates the same document. */
export const UPLOAD_URI_PREFIX = 'upload://';

const MAX_NAME_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255;

/**
 * The relative path an uploaded file is stored under, from the name the client sent. Folder
 * uploads keep their folders (`/` or `\` separated); a leading `/` or drive letter is dropped, `.`
 * segments are dropped; `..` segments, control characters and over-long names are refused.
 */
export function sanitizeUploadName(name: string): string {
  const invalid = (reason: string) =>
    new CairnError('INPUT_INVALID', `The uploaded file name "${name.slice(0, 200)}" is not allowed: ${reason}.`, {
      hint: 'Send relative file names (folders separated by "/") without ".." segments.',
    });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this rejects.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid('it contains control characters');
  const segments = name.replace(/^[A-Za-z]:/, '').split(/[\\/]+/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw invalid('it contains a ".." segment');
  if (segments.length === 0) throw invalid('it is empty');
  if (segments.some((segment) => segment.length > MAX_SEGMENT_LENGTH)) throw invalid(`a part is over ${MAX_SEGMENT_LENGTH} characters`);
  const relative = segments.join('/');
  if (relative.length > MAX_NAME_LENGTH) throw invalid(`it is over ${MAX_NAME_LENGTH} characters`);
  return relative;
}

export interface UploadLimits {
  maxUploadBytes: number;
  maxFilesPerUpload: number;
}

/** A file stream as multipart parsers hand it over; `truncated` is set when it hit the size limit. */
export type UploadStream = Readable & { truncated?: boolean };

/**
 * Receives the files of one upload request into the upload store under a new job id (the local
 * folder `<uploadsDir>/<jobId>/`, PostgreSQL or S3: `uploads.store`), then queues the job that ingests
 * them. The files are removed when the job finishes, or by `discard` when the request fails.
 */
export class UploadReceiver {
  readonly jobId: string;
  readonly #store: UploadStore;
  readonly #limits: UploadLimits;
  readonly #names = new Set<string>();

  private constructor(jobId: string, store: UploadStore, limits: UploadLimits) {
    this.jobId = jobId;
    this.#store = store;
    this.#limits = limits;
  }

  static open(store: UploadStore, limits: UploadLimits): UploadReceiver {
    return new UploadReceiver(randomUUID(), store, limits);
  }

  get files(): string[] {
    return [...this.#names];
  }

  /** Streams one file into the store; refuses it when it is over the size limit or one file too many. */
  async addFile(name: string, stream: UploadStream): Promise<void> {
    try {
      const relative = sanitizeUploadName(name);
      if (this.#names.size >= this.#limits.maxFilesPerUpload) throw tooMany(this.#limits.maxFilesPerUpload);
      if (this.#names.has(relative)) throw duplicate(relative);
      this.#names.add(relative);
      await this.#store.put(this.jobId, relative, stream);
      if (stream.truncated) throw tooLarge(relative, this.#limits.maxUploadBytes);
    } catch (error) {
      stream.resume();
      throw error;
    }
  }

  async submit(runner: JobRunner, collection: string, tags: string[]): Promise<StoredJob> {
    if (this.#names.size === 0) {
      throw new CairnError('INPUT_INVALID', 'The upload holds no file.', { hint: 'Send one or more file parts (curl -F file=@handbook.pdf).' });
    }
    const localDir = this.#store.localDir?.(this.jobId);
    return runner.submit({
      id: this.jobId,
      collection,
      kind: 'upload',
      sources: this.files,
      inputs: [localDir ?? `${this.#store.kind}:${this.jobId}`],
      // uploadDir: what versions before the upload stores read; the runner now asks the store.
      options: { ...(tags.length > 0 ? { tags } : {}), ...(localDir ? { uploadDir: localDir } : {}), rootUri: UPLOAD_URI_PREFIX },
    });
  }

  async discard(): Promise<void> {
    await this.#store.delete(this.jobId);
  }
}

export function tooLarge(name: string, limit: number): CairnError {
  return new CairnError('UPLOAD_TOO_LARGE', `The file "${name}" is over the ${limit}-byte upload limit.`, {
    hint: 'Send a smaller file, or raise jobs.maxUploadBytes in the server configuration.',
  });
}

export function tooMany(limit: number): CairnError {
  return new CairnError('UPLOAD_TOO_LARGE', `The upload has more than ${limit} files.`, {
    hint: 'Send the files in several requests, or raise jobs.maxFilesPerUpload in the server configuration.',
  });
}

/**
 * Removes uploads no queued or running job will read: left by a crash during an upload, or by a job
 * that finished while its files could not be removed. Run before the runner starts.
 * `minAgeMs`: an upload without a job changed more recently is kept, since another process sharing
 * the store may be receiving it now (its job row comes once the files are in).
 */
export async function removeOrphanUploads(uploads: UploadStore, store: JobStore, options: { minAgeMs?: number } = {}): Promise<number> {
  let removed = 0;
  const cutoff = Date.now() - (options.minAgeMs ?? 0);
  for (const upload of await uploads.list()) {
    const job = await store.get(upload.id);
    if (job && !FINISHED_STATUSES.includes(job.status)) continue;
    if (!job && options.minAgeMs !== undefined && upload.changedMs > cutoff) continue;
    await uploads.delete(upload.id);
    removed += 1;
  }
  return removed;
}
