import type { Job } from '../api/types.js';

export interface JobOutcome {
  /** What the status pill says. */
  label: string;
  /** Colour of the pill: ok (green), warn (amber), failed (red), active (blue), neutral. */
  tone: 'ok' | 'warn' | 'failed' | 'active' | 'neutral';
  /** Files by outcome, e.g. "0 ingested · 1 refused (unsupported or too large)"; empty before any file is done. */
  breakdown: string;
}

/**
 * The truthful state of a job. The server marks a job `succeeded` when it ran to its end and some
 * file went in or was only refused (an unsupported type, a file over the size limit: counted as
 * skipped, with an error); a person reads green "succeeded" as "my files are in". So a job that ended
 * with refused or failed files says "finished with errors" with the counts: amber when some files
 * went in, red when none did.
 */
export function jobOutcome(job: Pick<Job, 'status' | 'progress'>): JobOutcome {
  const { filesDone, filesFailed, filesSkipped } = job.progress;
  const parts = [`${filesDone} ingested`];
  if (filesSkipped > 0) parts.push(`${filesSkipped} refused (unsupported or too large)`);
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
      if (filesFailed + filesSkipped > 0) return { label: 'finished with errors', tone: filesDone === 0 ? 'failed' : 'warn', breakdown };
      return { label: 'succeeded', tone: 'ok', breakdown };
    default:
      return { label: String(job.status), tone: 'neutral', breakdown };
  }
}
