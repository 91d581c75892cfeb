import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from `entry`, the URL of its compiled `.js` module (callers pass
 * `new URL('./x-worker.js', import.meta.url)`). Running from sources (tests, `tsx`) that file does not
 * exist, and Node 20 does not carry the parent's `--import tsx` hooks into workers, so a one-line
 * bootstrap registers tsx in the worker first and imports the `.ts` module beside it.
 */
export function startWorker(entry: URL, workerData: unknown): Worker {
  if (existsSync(fileURLToPath(entry))) return new Worker(entry, { workerData });
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const source = JSON.stringify(new URL(entry.href.replace(/\.js$/, '.ts')).href);
  const bootstrap = `import(${api}).then(({ register }) => { register(); return import(${source}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}
