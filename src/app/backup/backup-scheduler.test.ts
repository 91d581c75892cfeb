import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../config/load-config.js';
import { PrometheusTelemetry } from '../../observe/prometheus-telemetry.js';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import type { CairnApp } from '../cairn-app.js';
import { ingest } from '../ingest.js';
import { openCairn } from '../open-cairn.js';
import { startBackupSchedule, type BackupTickEvent } from './backup-scheduler.js';
import { BackupService } from './backup-service.js';
import { listArchives } from './list-backups.js';

const md = sharedPath('data', 'files', 'md');
/** Every second (croner's six-field form): a tick comes within a second, no test waits minutes. */
const EVERY_SECOND = '* * * * * *';

/** Collects tick events; `next(n)` resolves once n events of the wanted kind have arrived. */
function tickRecorder(wanted: (event: BackupTickEvent) => boolean) {
  const events: BackupTickEvent[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    events,
    onTick(event: BackupTickEvent) {
      if (!wanted(event)) return;
      events.push(event);
      for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
    },
    next(count: number): Promise<void> {
      if (events.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

async function openApp(home: string, env: Record<string, string> = {}): Promise<{ app: CairnApp; telemetry: PrometheusTelemetry }> {
  const telemetry = new PrometheusTelemetry({ processMetrics: false });
  const app = await openCairn(loadConfig({ cwd: home, env: { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...env } }), { telemetry });
  await ingest(app, { collection: 'kb', sources: [md!] });
  return { app, telemetry };
}

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('backup schedule', { skip: !md ? SHARED_MISSING : false }, () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'cairn-schedule-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('fires on its cron, one backup per tick, and prunes after each success (keep-last 1)', async () => {
    const { app, telemetry } = await openApp(join(root, 'ok'));
    const service = new BackupService(app, { version: 'test' });
    const before = (await telemetry.exposition()).text;
    assert.equal(sample(before, 'cairn_backup_last_success_timestamp_seconds'), undefined, 'no sample before any backup');
    assert.equal(sample(before, 'cairn_backup_last_success_age_seconds'), undefined);
    assert.equal(sample(before, 'cairn_backup_last_size_bytes'), undefined);
    const ticks = tickRecorder((event) => event.type === 'finished');
    const schedule = startBackupSchedule(service, { schedule: EVERY_SECOND, retention: { keepLast: 1, keepDaily: 0 }, onTick: ticks.onTick });
    try {
      await ticks.next(2);
    } finally {
      schedule.stop();
      await service.stop();
    }
    const [first, second] = ticks.events as Extract<BackupTickEvent, { type: 'finished' }>[];
    assert.equal(first!.outcome.run.status, 'succeeded', first!.outcome.run.error ?? '');
    assert.equal(second!.outcome.run.status, 'succeeded', second!.outcome.run.error ?? '');
    assert.equal(first!.outcome.run.trigger, 'schedule');
    assert.deepEqual(second!.pruned?.removed.map((a) => a.name), [first!.outcome.run.archive!.name]);
    const archives = await listArchives(service.dir);
    assert.ok(archives.length >= 1 && archives.length <= 2, `${archives.length} archives`);
    const text = (await telemetry.exposition()).text;
    const newest = archives[0]!;
    assert.equal(sample(text, 'cairn_backup_last_success_timestamp_seconds'), Date.parse(newest.createdAt) / 1000);
    assert.equal(sample(text, 'cairn_backup_last_size_bytes'), newest.bytes);
    assert.ok((sample(text, 'cairn_backup_last_success_age_seconds') ?? -1) >= 0);
    assert.equal(sample(text, 'cairn_backup_failures_total'), 0);
    await app.close();
  });

  it('a failing backup is counted and reported, and the schedule goes on', async () => {
    const blocked = join(root, 'not-a-folder');
    writeFileSync(blocked, 'a file where the backup folder should be');
    const { app, telemetry } = await openApp(join(root, 'failing'), { CAIRN_BACKUP_DIR: blocked });
    const reported: string[] = [];
    const service = new BackupService(app, { version: 'test', onError: (message) => reported.push(message) });
    const ticks = tickRecorder((event) => event.type === 'finished');
    const schedule = startBackupSchedule(service, { schedule: EVERY_SECOND, retention: { keepLast: 1, keepDaily: 1 }, onTick: ticks.onTick });
    try {
      await ticks.next(2);
    } finally {
      schedule.stop();
      await service.stop();
    }
    for (const event of ticks.events as Extract<BackupTickEvent, { type: 'finished' }>[]) {
      assert.equal(event.outcome.run.status, 'failed');
      assert.equal(event.outcome.error?.code, 'STORE_FAILED');
      assert.match(event.outcome.run.error ?? '', /backup folder/);
    }
    assert.equal(reported.length, 2);
    assert.equal(service.last?.status, 'failed');
    const text = (await telemetry.exposition()).text;
    assert.equal(sample(text, 'cairn_backup_failures_total'), 2);
    assert.equal(sample(text, 'cairn_backup_last_success_timestamp_seconds'), undefined);
    await app.close();
  });

  it('refuses a second backup while one runs', async () => {
    const { app } = await openApp(join(root, 'busy'));
    const service = new BackupService(app, { version: 'test' });
    const { done } = service.start('api');
    assert.throws(() => service.start('schedule'), (error: { code?: string }) => error.code === 'BACKUP_RUNNING');
    assert.equal((await done).run.status, 'succeeded');
    await app.close();
  });

  it('stop() cancels a backup in progress: no archive, no staging folder, not counted as a failure', async () => {
    const { app, telemetry } = await openApp(join(root, 'stopped'));
    const service = new BackupService(app, { version: 'test' });
    const { done } = service.start('api');
    await service.stop();
    const { run } = await done;
    assert.equal(run.status, 'cancelled');
    assert.deepEqual(readdirSync(service.dir), []);
    assert.equal(sample((await telemetry.exposition()).text, 'cairn_backup_failures_total'), 0);
    await app.close();
  });
});
