import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CairnError, toCairnError } from '../../core/cairn-error.js';
import type { CairnApp } from '../cairn-app.js';
import { createBackup, type BackupResult } from './create-backup.js';
import { listArchives } from './list-backups.js';

export type BackupTrigger = 'schedule' | 'api';

/** One backup a server made or is making, as `GET /v1/backups` shows it. Times are ISO 8601. */
export interface BackupRun {
  id: string;
  trigger: BackupTrigger;
  /** `cancelled`: stopped by a server shutting down (not counted as a failure). */
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt: string;
  finishedAt: string | null;
  /** The archive written, once it succeeded. */
  archive: { name: string; bytes: number; createdAt: string } | null;
  counts: { collections: number; documents: number; chunks: number; vectors: number } | null;
  millis: number | null;
  error: string | null;
}

export interface BackupServiceOptions {
  /** Cairn's version, recorded in each manifest. */
  version: string;
  /** Where failures are reported (the server's log). */
  onError?: (message: string, error: unknown) => void;
}

/**
 * The backups of one server process: one at a time (a second is refused with BACKUP_RUNNING), the
 * latest run kept for `GET /v1/backups`, failures counted (`cairn_backup_failures_total`), never
 * thrown at the caller of `start`. The `cairn_backup_last_*` gauges describe the newest archive in
 * backup.dir at scrape time, whoever wrote it: right after a restart, for `cairn backup create` run
 * beside the server, and absent (no sample) until a first backup exists.
 */
export class BackupService {
  readonly dir: string;
  readonly #app: CairnApp;
  readonly #options: BackupServiceOptions;
  #current: { run: BackupRun; controller: AbortController; done: Promise<BackupOutcome> } | undefined;
  #last: BackupRun | undefined;

  constructor(app: CairnApp, options: BackupServiceOptions) {
    this.#app = app;
    this.#options = options;
    this.dir = app.config.backup.dir ?? join(app.config.home, 'backups');
    this.#registerGauges();
  }

  /** The backup being made, if any. */
  get running(): BackupRun | undefined {
    return this.#current?.run;
  }

  /** The latest finished backup of this process, if any. */
  get last(): BackupRun | undefined {
    return this.#last;
  }

  /**
   * Starts a backup in the background and answers its record at once; `done` settles when it ends
   * (never rejects: a failure is in `run.status` and `error`).
   */
  start(trigger: BackupTrigger): { run: BackupRun; done: Promise<BackupOutcome> } {
    if (this.#current) {
      throw new CairnError('BACKUP_RUNNING', `A backup is already being made (started ${this.#current.run.startedAt}).`, {
        hint: 'Wait for it to finish (GET /v1/backups shows it), then try again.',
        retryable: true,
      });
    }
    const run: BackupRun = { id: randomUUID(), trigger, status: 'running', startedAt: new Date().toISOString(), finishedAt: null, archive: null, counts: null, millis: null, error: null };
    const controller = new AbortController();
    const done = this.#run(run, controller.signal);
    this.#current = { run, controller, done };
    return { run: { ...run }, done };
  }

  /** Cancels a running backup (shutdown) and waits for it to end; its staging folder is removed. */
  async stop(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    current.controller.abort();
    await current.done;
  }

  async #run(run: BackupRun, signal: AbortSignal): Promise<BackupOutcome> {
    try {
      const result = await createBackup(this.#app, { version: this.#options.version, dir: this.dir, signal });
      Object.assign(run, succeeded(result));
      return { run: { ...run } };
    } catch (caught) {
      const error = toCairnError(caught, 'STORE_FAILED');
      const cancelled = error.code === 'ABORTED' && signal.aborted;
      Object.assign(run, {
        status: cancelled ? 'cancelled' : 'failed',
        finishedAt: new Date().toISOString(),
        error: cancelled ? 'Cancelled: the server is stopping.' : error.hint ? `${error.message} ${error.hint}` : error.message,
      });
      if (!cancelled) {
        this.#app.telemetry?.count('backup.failures');
        this.#options.onError?.(`Backup ${run.id} (${run.trigger}) failed.`, caught);
      }
      return { run: { ...run }, error };
    } finally {
      this.#last = { ...run };
      this.#current = undefined;
    }
  }

  #registerGauges(): void {
    const telemetry = this.#app.telemetry;
    if (!telemetry) return;
    const newest = async () => (await listArchives(this.dir).catch(() => []))[0];
    telemetry.gauge('backup.lastSuccessTimestamp', async () => {
      const archive = await newest();
      return archive ? [{ labels: {}, value: Date.parse(archive.createdAt) / 1000 }] : [];
    });
    telemetry.gauge('backup.lastSuccessAge', async () => {
      const archive = await newest();
      return archive ? [{ labels: {}, value: Math.max(0, (Date.now() - Date.parse(archive.createdAt)) / 1000) }] : [];
    });
    telemetry.gauge('backup.lastSizeBytes', async () => {
      const archive = await newest();
      return archive ? [{ labels: {}, value: archive.bytes }] : [];
    });
  }
}

/** How a backup ended: its record, and the error when it failed. */
export interface BackupOutcome {
  run: BackupRun;
  error?: CairnError;
}

function succeeded(result: BackupResult): Partial<BackupRun> {
  const { counts } = result.manifest;
  return {
    status: 'succeeded',
    finishedAt: new Date().toISOString(),
    archive: { name: result.name, bytes: result.bytes, createdAt: result.createdAt },
    counts: { collections: counts.collections.length, documents: counts.documents, chunks: counts.chunks, vectors: counts.vectors },
    millis: Math.round(result.millis),
  };
}
