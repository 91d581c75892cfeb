import { Cron } from 'croner';
import type { BackupOutcome, BackupService } from './backup-service.js';
import { pruneBackups, type PruneResult } from './list-backups.js';
import type { RetentionRule } from './retention.js';

export interface BackupScheduleOptions {
  /** Cron expression (`backup.schedule`): 5 fields, or 6 with seconds first; local time of the process. */
  schedule: string;
  /** Applied after each scheduled backup that succeeded (`backup.keepLast`, `backup.keepDaily`); none when both are 0. */
  retention: RetentionRule;
  /** Told about each tick's outcome (the server logs them; tests wait on them). */
  onTick?: (event: BackupTickEvent) => void;
}

export type BackupTickEvent =
  | { type: 'skipped'; reason: string }
  | { type: 'finished'; outcome: BackupOutcome; pruned?: PruneResult; pruneError?: unknown };

export interface BackupSchedule {
  /** When the next backup is due, or null once stopped. */
  nextRun(): Date | null;
  /** Stops the schedule; a backup in progress goes on (BackupService.stop cancels it). */
  stop(): void;
}

/**
 * Runs `service` on a cron schedule (croner computes the times; docs/decisions/0021-backups.md). A tick
 * that finds a backup running (an earlier tick, or one asked for over the API) is skipped, so backups
 * never overlap. A failure is counted and reported by the service and never ends the schedule or the
 * process; retention runs only after a success, so failed backups never cost a good one.
 */
export function startBackupSchedule(service: BackupService, options: BackupScheduleOptions): BackupSchedule {
  const tell = options.onTick ?? (() => undefined);
  const job = new Cron(options.schedule, { catch: (error) => tell({ type: 'skipped', reason: `the scheduled backup could not start: ${String(error)}` }) }, async () => {
    if (service.running) return tell({ type: 'skipped', reason: `a backup started ${service.running.startedAt} is still running` });
    const outcome = await service.start('schedule').done;
    if (outcome.error || (options.retention.keepLast < 1 && options.retention.keepDaily < 1)) return tell({ type: 'finished', outcome });
    try {
      tell({ type: 'finished', outcome, pruned: await pruneBackups(service.dir, options.retention) });
    } catch (pruneError) {
      tell({ type: 'finished', outcome, pruneError });
    }
  });
  return {
    nextRun: () => job.nextRun(),
    stop: () => job.stop(),
  };
}
