import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { POSTGRES_MISSING, startPostgres } from '../../testing/postgres-server.js';
import { S3_MISSING, startS3 } from '../../testing/s3-server.js';
import { connectPostgres } from '../postgres/connect-postgres.js';
import { migratePostgres } from '../postgres/migrate-postgres.js';
import { POSTGRES_APP_MIGRATIONS } from '../postgres/postgres-app-migrations.js';
import { PostgresUploadStore } from '../postgres/postgres-upload-store.js';
import { uploadStoreContract } from '../upload-store.contract.js';
import { LocalUploadStore } from './local-upload-store.js';
import { S3UploadStore } from './s3-upload-store.js';

uploadStoreContract('local', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-uploads-'));
  return { store: new LocalUploadStore(dir), other: new LocalUploadStore(dir), close: () => rm(dir, { recursive: true, force: true }) };
});

const postgres = await startPostgres();
if (postgres === null) {
  it('UploadStore contract: postgres', (t) => t.skip(POSTGRES_MISSING));
} else {
  uploadStoreContract('postgres', async () => {
    const url = await postgres.createDatabase('cairn_uploads');
    const connect = () => connectPostgres({ url, poolSize: 4, connectTimeoutMs: 5000, statementTimeoutMs: 30_000 });
    const pool = await connect();
    const otherPool = await connect();
    await migratePostgres(pool, POSTGRES_APP_MIGRATIONS);
    return {
      // Small chunks: the multi-chunk paths run on small files too.
      store: new PostgresUploadStore(pool, 'postgres', { chunkBytes: 256 * 1024 }),
      other: new PostgresUploadStore(otherPool, 'postgres', { chunkBytes: 256 * 1024 }),
      close: async () => {
        await pool.end();
        await otherPool.end();
      },
    };
  });
}

const s3 = await startS3();
if (s3 === null) {
  it('UploadStore contract: s3', (t) => t.skip(S3_MISSING));
} else {
  uploadStoreContract('s3', async () => {
    const options = {
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      // The least part size S3 allows: the 12 MiB case takes three parts.
      partBytes: 5 * 1024 * 1024,
    };
    const store = new S3UploadStore({ ...options, prefix: 'contract/' });
    const other = new S3UploadStore({ ...options, prefix: 'contract/' });
    return {
      store,
      other,
      close: async () => {
        await store.close();
        await other.close();
        await s3.dispose();
      },
    };
  });
}
