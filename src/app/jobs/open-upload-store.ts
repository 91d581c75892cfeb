import { join } from 'node:path';
import type { CairnConfig } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import type { StoreBackend } from '../../stores/store-backend.js';
import type { UploadStore } from '../../stores/upload-store.js';
import { LocalUploadStore } from '../../stores/uploads/local-upload-store.js';

/** Which upload store `uploads.store` names, `auto` resolved: S3 when a bucket is set, the database on PostgreSQL, else the local disk. */
export function uploadStoreKind(config: CairnConfig): UploadStore['kind'] {
  const wanted = config.uploads.store;
  if (wanted !== 'auto') return wanted;
  if (config.uploads.s3 !== undefined) return 's3';
  return config.store.kind === 'postgres' ? 'postgres' : 'local';
}

/**
 * Opens the upload store the configuration names (`uploads.store`, decision 0039). The S3 client is
 * loaded only when chosen (the SDK is large); a PostgreSQL store is the backend's own (same pool).
 */
export async function openUploadStore(config: CairnConfig, backend: Pick<StoreBackend, 'kind' | 'uploads'>): Promise<UploadStore> {
  const kind = uploadStoreKind(config);
  if (kind === 'local') return new LocalUploadStore(config.jobs.uploadsDir ?? join(config.home, 'uploads'));
  if (kind === 'postgres') {
    if (backend.uploads === undefined) {
      throw new CairnError('STORE_MISCONFIGURED', `uploads.store is "postgres" but the store is ${backend.kind}, which keeps no uploads.`, {
        hint: 'Set CAIRN_DATABASE_URL to use PostgreSQL, or set uploads.store (CAIRN_UPLOAD_STORE) to local or s3.',
      });
    }
    return backend.uploads;
  }
  const s3 = config.uploads.s3;
  if (s3 === undefined) {
    throw new CairnError('STORE_MISCONFIGURED', 'uploads.store is "s3" but no bucket is configured.', {
      hint: 'Set uploads.s3.bucket (CAIRN_S3_BUCKET), and uploads.s3.endpoint (CAIRN_S3_ENDPOINT) for a server other than AWS.',
    });
  }
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    throw new CairnError('CONFIG_INVALID', 'uploads.s3 has only one of accessKeyId and secretAccessKey.', {
      hint: 'Set both CAIRN_S3_ACCESS_KEY_ID and CAIRN_S3_SECRET_ACCESS_KEY, or neither (the AWS SDK then reads AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).',
    });
  }
  const { S3UploadStore } = await import('../../stores/uploads/s3-upload-store.js');
  return new S3UploadStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    ...(s3.region ? { region: s3.region } : {}),
    forcePathStyle: s3.forcePathStyle ?? s3.endpoint !== undefined,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
  });
}
