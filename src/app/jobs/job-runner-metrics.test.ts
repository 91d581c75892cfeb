import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { PrometheusTelemetry } from '../../observe/prometheus-telemetry.js';
import type { JobStore, StoredJob } from '../../stores/job-store.js';
import type { CairnApp } from '../cairn-app.js';
import { openCairn } from '../open-cairn.js';
import { JobRunner } from './job-runner.js';

let home: string;
let app: CairnApp;
let telemetry: PrometheusTelemetry;

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'cairn-runner-metrics-'));
  telemetry = new PrometheusTelemetry({ processMetrics: false });
  app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0' } }), { telemetry });
});
after(async () => {
  await app.close();
  rmSync(home, { recursive: true, force: true });
});

/** Polls until the job has finished (no fixed sleeps; a loaded CI machine may be slow). */
async function finished(store: JobStore, id: string): Promise<StoredJob> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = await store.get(id);
    if (job && ['succeeded', 'failed', 'cancelled'].includes(job.status)) return job;
    if (Date.now() > deadline) throw new Error(`job ${id} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('each job that finishes adds one to cairn_jobs_finished_total of its status', async () => {
  const store = app.jobs!;
  const runner = new JobRunner(app, store, { workers: 1 });
  const notes = join(home, 'notes');
  mkdirSync(notes);
  writeFileSync(join(notes, 'a.md'), '# A\n\nThe signing key rotates monthly.\n');
  // Cancelled while queued (the runner has not started).
  const queued = await runner.submit({ collection: 'metrics', kind: 'path', sources: [notes], inputs: [notes], options: {} });
  assert.equal((await runner.cancel(queued.id)).status, 'cancelled');
  await runner.start();
  const good = await runner.submit({ collection: 'metrics', kind: 'path', sources: [notes], inputs: [notes], options: {} });
  assert.equal((await finished(store, good.id)).status, 'succeeded');
  const missing = join(home, 'no-such-folder');
  const bad = await runner.submit({ collection: 'metrics', kind: 'path', sources: [missing], inputs: [missing], options: {} });
  assert.equal((await finished(store, bad.id)).status, 'failed');
  await runner.stop();
  const { text } = await telemetry.exposition();
  assert.match(text, /^cairn_jobs_finished_total\{status="succeeded"\} 1$/m);
  assert.match(text, /^cairn_jobs_finished_total\{status="failed"\} 1$/m);
  assert.match(text, /^cairn_jobs_finished_total\{status="cancelled"\} 1$/m);
});
