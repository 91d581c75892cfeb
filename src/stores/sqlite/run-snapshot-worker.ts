import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CairnError } from '../../core/cairn-error.js';
import type { VectorIndexStatus } from '../vector-index.js';
import type { HnswParams } from './hnsw-snapshot.js';

/** What hnsw-snapshot-worker.ts receives as `workerData`. */
export interface SnapshotJob {
  databasePath: string;
  directory: string;
  collection: string;
  dimensions: number;
  params: HnswParams;
}

/**
 * The worker beside this file: `.js` once compiled. From sources (tests, `tsx`), Node 20 does not carry
 * the parent's `--import tsx` hooks into workers, so a one-line bootstrap registers tsx first.
 */
function startWorker(workerData: unknown): Worker {
  const compiled = new URL('./hnsw-snapshot-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = new URL('./hnsw-snapshot-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** Runs one snapshot job in a worker thread; resolves with the status the worker's `open` reported. */
export function runSnapshotWorker(job: SnapshotJob): Promise<VectorIndexStatus> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(job);
    let status: VectorIndexStatus | undefined;
    worker.once('message', (message: VectorIndexStatus) => (status = message));
    worker.once('error', (error) =>
      reject(
        new CairnError('STORE_FAILED', `Updating the vector index of "${job.collection}" failed: ${error.message}`, {
          cause: error,
          hint: 'The next search rebuilds it from the database.',
        }),
      ),
    );
    worker.once('exit', (code) => {
      if (status !== undefined) resolve(status);
      else {
        reject(
          new CairnError('STORE_FAILED', `The vector index worker for "${job.collection}" exited with code ${code}.`, {
            hint: 'The next search rebuilds the index from the database.',
          }),
        );
      }
    });
  });
}
