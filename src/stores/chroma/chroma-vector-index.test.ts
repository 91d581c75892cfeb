import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../../config/config-schema.js';
import { CairnError } from '../../core/cairn-error.js';
import { CHROMA_MISSING, startChroma } from '../../testing/chroma-server.js';
import { startTokenProxy } from '../../testing/token-proxy.js';
import { createSqliteBackend } from '../sqlite/create-sqlite-backend.js';
import { vectorIndexContract } from '../vector-index.contract.js';
import { chromaVectorIndexFactory } from './create-chroma-vector-index.js';

const server = await startChroma();
if (server === null) console.log(`# ${CHROMA_MISSING}`);

let locations = 0;
/** A SQLite store with its vectors in the test server, each location under a prefix of its own. */
function chromaConfig(home: string, overrides: Record<string, unknown> = {}) {
  locations += 1;
  return configSchema.parse({
    home,
    vectorStore: { kind: 'chroma', url: server?.url, collectionPrefix: `t${process.pid}_${locations}_`, ...overrides },
  });
}

if (server !== null) {
  vectorIndexContract('sqlite + chroma', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cairn-chroma-store-'));
    const config = chromaConfig(directory);
    return {
      async open() {
        const backend = await createSqliteBackend(config, { vectorIndex: chromaVectorIndexFactory(config) });
        return { chunks: backend.chunks, vectors: backend.vectors, close: () => backend.close() };
      },
      dispose: () => rm(directory, { recursive: true, force: true }),
    };
  });
}

describe('Chroma behind a token-checking proxy', { skip: server === null ? CHROMA_MISSING : false }, () => {
  const directories: string[] = [];
  after(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  for (const header of ['Authorization', 'X-Chroma-Token'] as const) {
    it(`sends the token as ${header}, and a wrong one is VECTOR_STORE_UNAUTHORIZED naming the setting`, async () => {
      const proxy = await startTokenProxy({ target: server!.url, token: 's3cret', header });
      const directory = await mkdtemp(join(tmpdir(), 'cairn-chroma-token-'));
      directories.push(directory);
      try {
        const good = chromaConfig(directory, { url: proxy.url, token: 's3cret', tokenHeader: header });
        const backend = await createSqliteBackend(good, { vectorIndex: chromaVectorIndexFactory(good) });
        await backend.chunks.createCollection('guarded', { embedder: 'test:v', dimensions: 3, chunkSize: 64, chunkOverlap: 0 });
        assert.equal((await backend.vectors.open('guarded', 3)).count, 0);
        await backend.close();
        assert.equal(proxy.refused(), 0);

        const other = header === 'Authorization' ? 'X-Chroma-Token' : 'Authorization';
        const wrongs: { token?: string; tokenHeader?: typeof header }[] = [{ token: 'nope', tokenHeader: header }, { token: 's3cret', tokenHeader: other }, {}];
        for (const wrong of wrongs) {
          const config = { ...good, vectorStore: { ...good.vectorStore, token: undefined, ...wrong } };
          const refused = await createSqliteBackend(config, { vectorIndex: chromaVectorIndexFactory(config) });
          await assert.rejects(refused.vectors.open('guarded', 3), (error: unknown) => {
            assert.ok(error instanceof CairnError);
            assert.equal(error.code, 'VECTOR_STORE_UNAUTHORIZED');
            assert.match(`${error.message} ${error.hint}`, /CAIRN_VECTOR_STORE_TOKEN/);
            return true;
          });
          await refused.close();
        }
        assert.equal(proxy.refused(), 3);
      } finally {
        await proxy.close();
      }
    });
  }
});
