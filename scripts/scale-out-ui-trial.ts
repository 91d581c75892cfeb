/**
 * The scale-out deployment tried as a new user would, through the web UI (issue 14):
 * one PostgreSQL, two API-only `cairn serve --no-jobs` and two `cairn worker`, each process with a data
 * folder of its own; a folder is uploaded with "Choose folder" on API A's Documents page, the worker
 * running the job is killed with SIGKILL mid-job, the Ingestion page is watched until every job
 * finished, then the Search page of API B searches, and the counts are compared with a single-process
 * `cairn ingest` of the same folder into SQLite.
 *
 *   npm run build   # dist/ and web/dist/
 *   nice -n 15 node --import tsx scripts/scale-out-ui-trial.ts [folder]   # default ../shared/data/docs-corpus
 *
 * Defaults are the ones a new user has (lease 30 s, poll 1 s); `CAIRN_TRIAL_LEASE_SECONDS` shortens
 * the lease. Screenshots go to `CAIRN_E2E_ARTIFACTS` (default $TMPDIR/cairn-e2e-artifacts/scale-out-trial).
 * Everything it starts (PostgreSQL, four cairn processes, Chromium) is stopped at the end, also on failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { startPrivatePostgres } from '../src/testing/postgres-server.js';
import { REPO_ROOT, sharedPath } from '../src/testing/shared-data.js';
import { runCli } from '../test/e2e/run-cli.js';
import { startCairnServe, type CairnServe } from '../test/e2e/start-cairn-serve.js';
import { startCairnWorker, type CairnWorker } from '../test/e2e/start-cairn-worker.js';
import { ARTIFACTS_DIR, launchChromium, openPage } from '../test/e2e/web/browser-harness.js';
import { waitUntil } from '../test/e2e/web/wait-until.js';

interface JobView {
  id: string;
  kind: string;
  status: string;
  progress: { filesTotal: number | null; filesDone: number; filesFailed: number; filesSkipped: number; chunksDone: number };
}

const folder = resolve(process.argv[2] ?? sharedPath('data', 'docs-corpus') ?? '');
const model = sharedPath('models', 'cairn', 'static-minilm-vocab-256');
const QUERIES = ['how to restart a deployment rollout', 'configure TLS certificates', 'rate limiting middleware'];
const shots = join(ARTIFACTS_DIR, 'scale-out-trial');

function countFiles(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    n += statSync(path).isDirectory() ? countFiles(path) : 1;
  }
  return n;
}

const started = performance.now();
const say = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);

async function main(): Promise<void> {
  assert.ok(existsSync(folder), `no folder ${folder}: name one, or put ../shared beside the repository`);
  assert.ok(model, 'the static embedder ../shared/models/cairn/static-minilm-vocab-256 is missing');
  assert.ok(existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')), 'web/dist is missing: run `npm run build` first');
  mkdirSync(shots, { recursive: true });
  const files = countFiles(folder);
  say(`folder ${folder}: ${files} files`);

  const home = mkdtempSync(join(tmpdir(), 'cairn-ui-trial-'));
  const processes: { child: { kill(signal: NodeJS.Signals): boolean } }[] = [];
  const pg = await startPrivatePostgres();
  assert.ok(pg, 'PostgreSQL with pgvector is not installed');
  const browser = await launchChromium();
  try {
    const env = {
      CAIRN_DATABASE_URL: await pg.createDatabase('cairn_ui_trial'),
      CAIRN_EMBEDDER: `static:${model}`,
      CAIRN_OFFLINE: '1',
      CAIRN_RERANKER: 'none',
      CAIRN_LLM_DISCOVER: '0',
      ...(process.env.CAIRN_TRIAL_LEASE_SECONDS ? { CAIRN_JOBS_LEASE_SECONDS: process.env.CAIRN_TRIAL_LEASE_SECONDS } : {}),
    };
    const own = (role: string) => ({ ...env, CAIRN_HOME: join(home, role) });
    const apiA: CairnServe = await startCairnServe(own('api-a'), { args: ['--no-jobs'] });
    const apiB: CairnServe = await startCairnServe(own('api-b'), { args: ['--no-jobs'] });
    const workers: CairnWorker[] = [await startCairnWorker(own('worker-1')), await startCairnWorker(own('worker-2'))];
    processes.push(apiA, apiB, ...workers);
    say(`API A ${apiA.url}, API B ${apiB.url} (admin key printed by ${apiA.adminKey ? 'A' : '?'}${apiB.adminKey ? ' and B' : ''}); workers ${workers.map((w) => w.owner).join(', ')}`);
    const key = apiA.adminKey;
    const headers = { authorization: `Bearer ${key}` };
    const jobs = async () => ((await (await fetch(`${apiA.url}/v1/jobs?limit=200`, { headers })).json()) as { items: JobView[] }).items.filter((job) => job.kind === 'upload');

    // API A: log in, choose the folder on Documents.
    const a = await openPage(browser, apiA.url);
    await a.page.goto('/');
    await a.page.getByRole('textbox', { name: 'API key' }).fill(key);
    await a.page.getByRole('button', { name: 'Log in' }).click();
    await a.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
    await a.page.getByRole('heading', { name: 'Documents', level: 1 }).waitFor();
    const chooser = a.page.waitForEvent('filechooser');
    await a.page.getByRole('button', { name: 'Choose folder' }).click();
    const uploadStart = performance.now();
    await (await chooser).setFiles(folder);
    say('folder chosen on API A\'s Documents page');
    const outcome = await Promise.race([
      a.page.getByRole('heading', { name: 'Ingestion', level: 1 }).waitFor({ timeout: 600_000 }).then(() => 'ingestion' as const),
      a.page.getByRole('alert').first().waitFor({ timeout: 600_000 }).then(() => 'alert' as const),
    ]);
    if (outcome === 'alert') {
      await a.page.screenshot({ path: join(shots, 'upload-refused.png'), fullPage: true });
      throw new Error(`the upload was refused: ${await a.page.getByRole('alert').first().textContent()}`);
    }
    say(`upload accepted after ${((performance.now() - uploadStart) / 1000).toFixed(1)} s; the Ingestion page is open`);
    // The Ingestion page opens once every part of the upload was accepted.
    const submitted = await jobs();
    const queuedFiles = submitted.reduce((n, job) => n + (job.progress.filesTotal ?? 0), 0);
    say(`${submitted.length} upload job(s) holding ${queuedFiles} files: ${submitted.map((job) => `${job.id} (${job.progress.filesTotal} files)`).join(', ')}`);

    // Kill the worker running a job once it is well under way.
    const victimJob = await waitUntil(async () => (await jobs()).find((job) => job.status === 'running' && job.progress.filesTotal !== null && job.progress.filesDone >= Math.min(200, job.progress.filesTotal / 4)), { timeoutMs: 600_000, what: 'a job under way', intervalMs: 250 });
    const holder = workers.find((worker) => worker.output.stderr.includes(victimJob.id));
    assert.ok(holder, `a worker logged job ${victimJob.id}`);
    await a.page.screenshot({ path: join(shots, 'ingestion-before-kill.png'), fullPage: true });
    holder.child.kill('SIGKILL');
    await holder.exited;
    const killedAt = performance.now();
    say(`killed ${holder.owner} (SIGKILL) running job ${victimJob.id} at ${victimJob.progress.filesDone}/${victimJob.progress.filesTotal} files`);
    const survivor = workers.find((worker) => worker !== holder)!;

    // Watch the Ingestion page until no job runs and the History table lists every upload job
    // (a finished job's card gives way to its History row after a while).
    const rows = a.page.locator('.data-table tbody tr .status');
    await waitUntil(async () => ((await a.page.getByRole('heading', { name: 'No job running' }).count()) > 0 && (await rows.count()) >= submitted.length ? true : undefined), {
      timeoutMs: 3_600_000,
      intervalMs: 1_000,
      what: 'the Ingestion page to show no running job and every upload job in History',
    });
    const finishedAt = performance.now();
    await a.page.screenshot({ path: join(shots, 'ingestion-done.png'), fullPage: true });
    const statuses = await rows.allTextContents();
    const done = await jobs();
    const progress = done.reduce((sum, job) => ({ files: sum.files + job.progress.filesDone, failed: sum.failed + job.progress.filesFailed, skipped: sum.skipped + job.progress.filesSkipped, chunks: sum.chunks + job.progress.chunksDone }), { files: 0, failed: 0, skipped: 0, chunks: 0 });
    say(`every job finished ${((finishedAt - killedAt) / 1000).toFixed(1)} s after the kill (${((finishedAt - uploadStart) / 1000).toFixed(1)} s after the upload); cards: ${[...new Set(statuses)].join(', ')}; ${JSON.stringify(progress)}`);
    say(`the survivor ran ${done.filter((job) => survivor.output.stderr.includes(job.id)).length} of ${done.length} jobs, including the killed one: ${survivor.output.stderr.includes(victimJob.id)}`);

    // API B: the Documents count and searches, as a user on the other API process sees them.
    const b = await openPage(browser, apiB.url);
    await b.page.goto('/');
    await b.page.getByRole('textbox', { name: 'API key' }).fill(key);
    await b.page.getByRole('button', { name: 'Log in' }).click();
    await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Documents' }).click();
    const docsHeading = await b.page.locator('#documents-list-heading').filter({ hasText: /documents?$/ }).textContent();
    const collection = ((await (await fetch(`${apiB.url}/v1/collections`, { headers })).json()) as { collections: { name: string; documentCount: number; chunkCount: number }[] }).collections.find((c) => c.documentCount > 0)!;
    say(`API B Documents page: "${docsHeading}"; collection ${collection.name}: ${collection.documentCount} documents, ${collection.chunkCount} chunks`);
    await b.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search' }).click();
    const seen: Record<string, string[]> = {};
    for (const query of QUERIES) {
      await b.page.getByRole('searchbox', { name: 'Query' }).fill(query);
      await b.page.getByRole('button', { name: 'Search', exact: true }).click();
      const heading = b.page.getByRole('heading', { name: /^\d+ documents? · / });
      await heading.waitFor();
      await waitUntil(async () => ((await b.page.locator('.result-list > .result').count()) > 0 ? true : undefined), { what: `results of "${query}"` });
      const titles = await b.page.locator('.result-list > .result .result-title').allTextContents();
      seen[query] = titles;
      say(`API B Search "${query}": ${await heading.textContent()}; top 3: ${titles.slice(0, 3).join(' | ')}`);
    }
    await b.page.screenshot({ path: join(shots, 'search.png'), fullPage: true });

    // The same folder through one process into SQLite.
    const reference = join(home, 'reference');
    const refStart = performance.now();
    const ingest = await runCli(['ingest', folder, '--collection', 'reference'], { ...env, CAIRN_HOME: reference, CAIRN_DATABASE_URL: '' });
    assert.equal(ingest.code, 0, ingest.stderr);
    const db = new Database(join(reference, 'cairn.db'), { readonly: true });
    const ref = db.prepare('SELECT count(*) AS documents, coalesce(sum(chunk_count), 0) AS chunks FROM documents').get() as { documents: number; chunks: number };
    db.close();
    say(`single-process ingest (SQLite, ${((performance.now() - refStart) / 1000).toFixed(1)} s): ${ref.documents} documents, ${ref.chunks} chunks`);
    for (const query of QUERIES) {
      const search = await runCli(['--json', 'search', query, '--collection', 'reference'], { ...env, CAIRN_HOME: reference, CAIRN_DATABASE_URL: '' });
      const results = (JSON.parse(search.stdout) as { results: { title?: string; relative_path?: string }[] }).results;
      say(`single-process search "${query}": ${results.length} results; top 3: ${results.slice(0, 3).map((r) => r.title || r.relative_path).join(' | ')}`);
    }
    const same = collection.documentCount === ref.documents && collection.chunkCount === ref.chunks;
    say(`${same ? 'SAME' : 'DIFFERENT'} counts: scale-out ${collection.documentCount}/${collection.chunkCount}, single process ${ref.documents}/${ref.chunks} (documents/chunks)`);
    for (const process of [apiA, apiB]) await process.stop();
    survivor.child.kill('SIGTERM');
    await survivor.exited;
    await a.context.close();
    await b.context.close();
    if (!same) process.exitCode = 1;
  } finally {
    for (const child of processes) child.child.kill('SIGKILL');
    await browser.close().catch(() => undefined);
    await pg.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
say(`screenshots in ${shots}`);
