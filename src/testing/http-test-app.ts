import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { CairnApp } from '../app/cairn-app.js';
import { ingest } from '../app/ingest.js';
import { openCairn } from '../app/open-cairn.js';
import { loadConfig } from '../config/load-config.js';
import { buildServer } from '../http/build-server.js';
import { sharedPath } from './shared-data.js';

export interface HttpTestApp {
  app: CairnApp;
  server: FastifyInstance;
  /** An admin API key of the app, and the header that sends it. */
  adminKey: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

/**
 * A real app in a temporary CAIRN_HOME with the shared markdown and text fixtures ingested into
 * collection `kb` (static MiniLM-vocabulary embedder, no reranker), and a server built around it.
 * Null when ../shared is absent. `env` adds to the environment (e.g. CAIRN_LLM_URL).
 */
export async function startHttpTestApp(env: Record<string, string> = {}): Promise<HttpTestApp | null> {
  const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
  const md = sharedPath('data', 'files', 'md');
  const txt = sharedPath('data', 'files', 'txt');
  if (!model || !md || !txt) return null;
  const home = mkdtempSync(join(tmpdir(), 'cairn-http-'));
  const config = loadConfig({
    cwd: home,
    env: { CAIRN_HOME: home, CAIRN_EMBEDDER: `static:${model}`, CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...env },
  });
  const app = await openCairn(config);
  await ingest(app, { collection: 'kb', sources: [md, txt] });
  const server = await buildServer(app, { version: 'test' });
  const { key } = await app.keys.create('test admin', ['admin']);
  return {
    app,
    server,
    adminKey: key,
    auth: { authorization: `Bearer ${key}` },
    async close() {
      await server.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
