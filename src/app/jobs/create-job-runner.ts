import type { CairnApp } from '../cairn-app.js';
import { JobRunner, type JobRunnerOptions } from './job-runner.js';

/**
 * The job runner every server and worker uses, configured from `app.config.jobs` (workers,
 * maxQueued, lease, poll interval), or undefined when the store keeps no jobs. `runJobs: false`: the
 * process only stores and follows jobs (`cairn serve --no-jobs`). One place, so `cairn serve` and `buildServer`'s default can
 * never disagree on the queue bound.
 */
export function createJobRunner(app: CairnApp, onError?: (message: string, error: unknown) => void, options: { runJobs?: boolean; onRun?: JobRunnerOptions['onRun'] } = {}): JobRunner | undefined {
  if (!app.jobs) return undefined;
  const { workers, maxQueued, leaseSeconds, pollMs } = app.config.jobs;
  return new JobRunner(app, app.jobs, { workers, maxQueued, leaseMs: leaseSeconds * 1000, pollIntervalMs: pollMs, runJobs: options.runJobs ?? true, ...(onError ? { onError } : {}), ...(options.onRun ? { onRun: options.onRun } : {}) });
}
