import type { Job } from '../api/types.js';

export interface JobOutcome {
  /** What the status pill says. */
  label: string;
  /** Colour of the pill: ok (green), warn (amber), failed (red), active (blue), neutral. */
  tone: 'ok' | 'warn' | 'failed' | 'active' | 'neutral';
  /** Files by outcome, e.g. "0 ingested · 1 failed"; empty before any file is done. */
  breakdown: string;
}

/**
 * The truthful state of a job. The server marks a job `succeeded` when it ran to its end, even if
 * every file of it was refused; a person reads green "succeeded" as "my files are in". So a job that
 * ended with failed files says "finished with errors" (amber), and one whose every file failed and
 * none was ingested says "no file ingested" (red).
 */
export function jobOutcome(job: Pick<Job, 'status' | 'progress'>): JobOutcome {
  const { filesDone, filesFailed, filesSkipped } = job.progress;
  const parts = [`${filesDone} ingested`];
  if (filesSkipped > 0) parts.push(`${filesSkipped} unchanged or skipped`);
  if (filesFailed > 0) parts.push(`${filesFailed} failed`);
  const breakdown = filesDone + filesFailed + filesSkipped > 0 ? parts.join(' · ') : '';
  switch (job.status) {
    case 'queued':
    case 'running':
      return { label: job.status, tone: 'active', breakdown };
    case 'failed':
      return { label: 'failed', tone: 'failed', breakdown };
    case 'cancelled':
      return { label: 'cancelled', tone: 'neutral', breakdown };
    case 'succeeded':
      if (filesFailed > 0 && filesDone === 0 && filesSkipped === 0) return { label: 'no file ingested', tone: 'failed', breakdown };
      if (filesFailed > 0) return { label: 'finished with errors', tone: 'warn', breakdown };
      return { label: 'succeeded', tone: 'ok', breakdown };
    default:
      return { label: String(job.status), tone: 'neutral', breakdown };
  }
}
