import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type _Object,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { CairnError } from '../../core/cairn-error.js';
import { rechunk } from '../postgres/postgres-upload-store.js';
import type { StoredUpload, UploadStore } from '../upload-store.js';
import { duplicate, notFound } from './local-upload-store.js';

/** Bytes per multipart part (S3's least is 5 MiB for every part but the last): what one put holds in memory. */
export const S3_PART_BYTES = 8 * 1024 * 1024;

export interface S3UploadStoreOptions {
  bucket: string;
  /** Key prefix of every upload (`uploads/` by default); keys are `<prefix><upload id>/<name>`. */
  prefix?: string;
  /** An S3-compatible server (MinIO, Ceph RGW, Garage…); absent: AWS. */
  endpoint?: string;
  region?: string;
  /** `bucket` in the path (`http://host/bucket/key`) rather than the host name; what most self-hosted servers need. */
  forcePathStyle?: boolean;
  /** Absent: the SDK's default chain (AWS_ACCESS_KEY_ID…, a profile, an instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  partBytes?: number;
}

/**
 * Uploads as objects of an S3-compatible bucket, so workers on any machine read them. A file of at most
 * one part is one PutObject; a larger one a multipart upload, one part in memory at a time (aborted
 * when the body fails). The bucket must exist. Credentials go to the SDK and nowhere else: `location`
 * and errors name the endpoint and bucket only.
 */
export class S3UploadStore implements UploadStore {
  readonly kind = 's3';
  readonly location: string;
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #partBytes: number;

  constructor(options: S3UploadStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix ?? 'uploads/';
    this.#partBytes = Math.max(5 * 1024 * 1024, options.partBytes ?? S3_PART_BYTES);
    this.location = `s3://${options.bucket}/${this.#prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    this.#client = new S3Client({
      // S3-compatible servers take any region; us-east-1 is what they expect when told none.
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: many S3-compatible servers reject the newer default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(id: string, name: string, body: Readable): Promise<number> {
    const key = this.#key(id, name);
    try {
      if (await this.#exists(key)) throw duplicate(name);
      const pieces = rechunk(body, this.#partBytes)[Symbol.asyncIterator]();
      const first = await pieces.next();
      const second = first.done ? first : await pieces.next();
      if (second.done) {
        const data = first.done ? Buffer.alloc(0) : first.value;
        await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: key, Body: data, ContentLength: data.length }));
        return data.length;
      }
      return await this.#multipart(key, [first.value as Buffer, second.value], pieces);
    } catch (error) {
      body.resume();
      throw this.#failure(error, `store the upload file "${name}"`);
    }
  }

  async #multipart(key: string, head: Buffer[], rest: AsyncIterator<Buffer>): Promise<number> {
    const { UploadId } = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key }));
    const parts: { ETag: string; PartNumber: number }[] = [];
    let bytes = 0;
    try {
      const send = async (data: Buffer) => {
        const PartNumber = parts.length + 1;
        const sent = await this.#client.send(new UploadPartCommand({ Bucket: this.#bucket, Key: key, UploadId, PartNumber, Body: data, ContentLength: data.length }));
        parts.push({ ETag: sent.ETag ?? '', PartNumber });
        bytes += data.length;
      };
      for (const data of head) await send(data);
      for (let next = await rest.next(); !next.done; next = await rest.next()) await send(next.value);
      await this.#client.send(new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
      return bytes;
    } catch (error) {
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId })).catch(() => {});
      throw error;
    }
  }

  async get(id: string, name: string): Promise<Readable> {
    try {
      const object = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(id, name) }));
      return object.Body as Readable;
    } catch (error) {
      if (isMissing(error)) throw notFound(id, name);
      throw this.#failure(error, `read the upload file "${name}"`);
    }
  }

  async files(id: string): Promise<string[]> {
    const prefix = `${this.#prefix}${id}/`;
    return (await this.#objects(prefix)).map((object) => (object.Key ?? '').slice(prefix.length)).sort();
  }

  async list(): Promise<StoredUpload[]> {
    const uploads = new Map<string, number>();
    for (const object of await this.#objects(this.#prefix)) {
      const id = (object.Key ?? '').slice(this.#prefix.length).split('/')[0];
      if (!id) continue;
      const changed = object.LastModified?.getTime() ?? 0;
      uploads.set(id, Math.max(uploads.get(id) ?? 0, changed));
    }
    return [...uploads].map(([id, changedMs]) => ({ id, changedMs }));
  }

  async delete(id: string): Promise<void> {
    const objects = await this.#objects(`${this.#prefix}${id}/`);
    for (let start = 0; start < objects.length; start += 1000) {
      const batch = objects.slice(start, start + 1000).map((object) => ({ Key: object.Key! }));
      try {
        await this.#client.send(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: batch, Quiet: true } }));
      } catch (error) {
        throw this.#failure(error, `remove upload ${id}`);
      }
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }

  #key(id: string, name: string): string {
    return `${this.#prefix}${id}/${name}`;
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async #objects(prefix: string): Promise<_Object[]> {
    const out: _Object[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        out.push(...(page.Contents ?? []));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw this.#failure(error, 'list the uploads');
    }
    return out;
  }

  #failure(error: unknown, what: string): unknown {
    if (error instanceof CairnError) return error;
    const name = (error as { name?: string }).name ?? 'Error';
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const unreachable = status === undefined || name === 'NoSuchBucket';
    return new CairnError(unreachable ? 'STORE_UNAVAILABLE' : 'STORE_FAILED', `Could not ${what} in ${this.location}: ${name}${status ? ` (HTTP ${status})` : ''}.`, {
      cause: error,
      hint:
        name === 'NoSuchBucket'
          ? 'Create the bucket first (mc mb, aws s3 mb), or fix uploads.s3.bucket.'
          : 'Check uploads.s3 (endpoint, region, bucket, forcePathStyle) and the credentials (CAIRN_S3_ACCESS_KEY_ID / CAIRN_S3_SECRET_ACCESS_KEY or the AWS_* variables).',
    });
  }
}

function isMissing(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NotFound' || name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
}
