import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { CairnError } from '../../core/cairn-error.js';
import { openUploadStore, uploadStoreKind } from './open-upload-store.js';

const cwd = '/nonexistent-cairn-dir';
const load = (env: Record<string, string>) => loadConfig({ cwd, env: { CAIRN_HOME: '/tmp/h', ...env } });
const isCode = (code: string) => (error: unknown) => error instanceof CairnError && error.code === code;

describe('uploads.store', () => {
  it('auto: local on SQLite, the database on PostgreSQL, S3 once a bucket is set', () => {
    assert.equal(uploadStoreKind(load({})), 'local');
    assert.equal(uploadStoreKind(load({ CAIRN_DATABASE_URL: 'postgres://db/cairn' })), 'postgres');
    assert.equal(uploadStoreKind(load({ CAIRN_DATABASE_URL: 'postgres://db/cairn', CAIRN_S3_BUCKET: 'b' })), 's3');
    assert.equal(uploadStoreKind(load({ CAIRN_DATABASE_URL: 'postgres://db/cairn', CAIRN_UPLOAD_STORE: 'local' })), 'local');
  });

  it('CAIRN_UPLOADS=s3://bucket/prefix with the AWS_* endpoint and region, as deploy/ sets them; empty values change nothing', () => {
    const config = load({ CAIRN_UPLOADS: 's3://cairn-uploads/team-a', AWS_ENDPOINT_URL: 'http://minio:9000', AWS_REGION: 'eu-west-1' });
    assert.deepEqual(config.uploads.s3, { bucket: 'cairn-uploads', prefix: 'team-a/', endpoint: 'http://minio:9000', region: 'eu-west-1' });
    assert.equal(uploadStoreKind(config), 's3');
    const unset = load({ CAIRN_UPLOADS: '', AWS_ENDPOINT_URL: '', AWS_REGION: '', CAIRN_DATABASE_URL: 'postgres://db/cairn' });
    assert.equal(unset.uploads.s3, undefined);
    assert.equal(uploadStoreKind(unset), 'postgres');
  });

  it('refuses postgres without PostgreSQL, s3 without a bucket, and half a key pair', async () => {
    await assert.rejects(openUploadStore(load({ CAIRN_UPLOAD_STORE: 'postgres' }), { kind: 'sqlite' }), isCode('STORE_MISCONFIGURED'));
    await assert.rejects(openUploadStore(load({ CAIRN_UPLOAD_STORE: 's3' }), { kind: 'sqlite' }), isCode('STORE_MISCONFIGURED'));
    await assert.rejects(openUploadStore(load({ CAIRN_S3_BUCKET: 'b', CAIRN_S3_ACCESS_KEY_ID: 'AKIA' }), { kind: 'sqlite' }), isCode('CONFIG_INVALID'));
  });

  it('an S3 store says where it is without its credentials', async () => {
    const store = await openUploadStore(
      load({ CAIRN_S3_BUCKET: 'b', CAIRN_S3_ENDPOINT: 'http://127.0.0.1:9', CAIRN_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', CAIRN_S3_SECRET_ACCESS_KEY: 'very-secret' }),
      { kind: 'sqlite' },
    );
    try {
      assert.equal(store.kind, 's3');
      assert.doesNotMatch(store.location, /AKIAEXAMPLE|very-secret/);
      // An unreachable server: the error names endpoint and bucket, never the key.
      const failure = await store.files('x').then(() => undefined, (error: unknown) => error as CairnError);
      assert.ok(failure instanceof CairnError);
      assert.doesNotMatch(`${failure.message} ${failure.hint}`, /AKIAEXAMPLE|very-secret/);
    } finally {
      await store.close();
    }
  });
});
