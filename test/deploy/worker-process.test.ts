import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../src/testing/shared-data.js';
import { startCairnWorker } from '../e2e/start-cairn-worker.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('cairn worker as compose and Kubernetes run it: CAIRN_WORKER_PORT, probes, the image HEALTHCHECK, a clean SIGTERM', async () => {
  const home = mkdtempSync(join(tmpdir(), 'cairn-worker-deploy-'));
  const port = await freePort();
  const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', CAIRN_WORKER_PORT: String(port) };
  const worker = await startCairnWorker(env, { args: [] });
  try {
    assert.equal(worker.url, `http://127.0.0.1:${port}`, 'listens on CAIRN_WORKER_PORT (the port the deploy files probe)');
    assert.deepEqual(await (await fetch(`${worker.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${worker.url}/readyz`)).json(), { status: 'ready' });
    assert.match(await (await fetch(`${worker.url}/metrics`)).text(), /^cairn_jobs_queue_depth 0$/m);
    const api = await fetch(`${worker.url}/v1/collections`);
    assert.equal(api.status, 404);
    assert.match((await api.json() as { detail: string }).detail, /worker serves no API/);
    // scripts/healthcheck.mjs, the HEALTHCHECK of the image and of compose's worker service.
    const check = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', CAIRN_PORT: String(port), CAIRN_WORKER_PORT: String(port) }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  } finally {
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.output.stderr);
    rmSync(home, { recursive: true, force: true });
  }
});
