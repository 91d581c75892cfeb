import type { CairnApp } from '../cairn-app.js';
import { JobRunner } from './job-runner.js';

/**
 * The job runner every server uses, configured from `app.config.jobs` (workers, maxQueued), or
 * undefined when the store keeps no jobs. One place, so `cairn serve` and `buildServer`'s default can
 * never disagree on the queue bound.
 */
export function createJobRunner(app: CairnApp, onError?: (message: string, error: unknown) => void): JobRunner | undefined {
  if (!app.jobs) return undefined;
  const { workers, maxQueued } = app.config.jobs;
  return new JobRunner(app, app.jobs, { workers, maxQueued, ...(onError ? { onError } : {}) });
}
