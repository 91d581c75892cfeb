import type { Command } from 'commander';
import { createServer } from 'node:net';
import { ensureAdminKey } from '../../app/api-keys.js';
import { startBackupSchedule, type BackupSchedule } from '../../app/backup/backup-scheduler.js';
import { BackupService } from '../../app/backup/backup-service.js';
import { createJobRunner } from '../../app/jobs/create-job-runner.js';
import { removeOrphanUploads } from '../../app/jobs/upload-receiver.js';
import { warmSearch } from '../../app/warm-search.js';
import { openCairn } from '../../app/open-cairn.js';
import { CairnError } from '../../core/cairn-error.js';
import { buildServer } from '../../http/build-server.js';
import { configFromFlags, packageVersion, parseInteger, type CliIo, type GlobalFlags } from '../cli-context.js';

/** In-flight requests (long answer streams included) get this long after SIGINT/SIGTERM before their connections are closed. */
const SHUTDOWN_GRACE_MS = 10_000;
/** An upload folder without a job, younger than this, may be one another process is receiving now. */
export const ORPHAN_UPLOAD_MIN_AGE_MS = 15 * 60_000;

export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Run the HTTP API and the web UI (UI at http://127.0.0.1:7700/, API docs at /docs)')
    .option('--host <host>', 'interface to bind (CAIRN_HOST, default 127.0.0.1)')
    .option('--port <port>', 'TCP port; 0 picks a free one (CAIRN_PORT, default 7700)', parseInteger)
    .option('--no-jobs', 'API only: store and follow ingestion jobs, leave running them to `cairn worker` processes')
    .addHelpText(
      'after',
      '\nWhere things are, once it listens (default http://127.0.0.1:7700; --host/--port or CAIRN_HOST/CAIRN_PORT change it):\n' +
        '  /          the web UI: chat, documents, ingestion, search (log in with an API key)\n' +
        '  /v1        the HTTP API (Authorization: Bearer <key>); /docs its OpenAPI documentation\n' +
        '  /mcp       the MCP server (Streamable HTTP)\n' +
        '  /healthz, /readyz, /metrics\n' +
        'The first start prints an admin API key once; create more with `cairn keys create`.\n',
    )
    .action(async (options: { host?: string; port?: number; jobs: boolean }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      if (options.host) config.server.host = options.host;
      if (options.port !== undefined) {
        if (options.port < 0 || options.port > 65535) throw new CairnError('INPUT_INVALID', `Invalid port ${options.port}.`, { hint: 'Use a port from 1 to 65535, or 0 for any free one.' });
        config.server.port = options.port;
      }
      let notice = (text: string): void => void io.stderr.write(`notice: ${text}\n`);
      const app = await openCairn(config, { longRunning: true, onNotice: (text) => notice(text) });
      try {
        // Job failures go to the server's log (the server exists before any job runs).
        const jobRunner = createJobRunner(app, (message, error) => server.log.error({ err: error }, message), { runJobs: options.jobs });
        const backups = new BackupService(app, { version: packageVersion(), onError: (message, error) => server.log.error({ err: error }, message) });
        const server = await buildServer(app, {
          version: packageVersion(),
          logger: { level: 'info', stream: io.stderr },
          ...(jobRunner ? { jobRunner } : {}),
          backups,
        });
        notice = (text) => server.log.warn({ notice: text }, text);
        if (jobRunner) {
          // Folders of uploads whose request or job did not finish before a crash; then jobs whose holder
          // died run again (with --no-jobs, in a worker; the runner only follows events).
          if (app.uploads) await removeOrphanUploads(app.uploads, jobRunner.store, { minAgeMs: ORPHAN_UPLOAD_MIN_AGE_MS });
          await jobRunner.start();
        }
        const stopped = waitForStopSignal();
        let address: string;
        try {
          address = await server.listen({ host: config.server.host, port: config.server.port });
        } catch (error) {
          await jobRunner?.stop();
          throw await listenError(error, config.server.host, config.server.port);
        }
        // Created once the port is bound, so a failed start does not leave a key nobody saw. Only its
        // hash is stored: this is the one time it can be shown. One write: whoever reads the docs line
        // has the key line too (scripts and tests wait for that line, never for a key that may not come).
        const adminKey = await ensureAdminKey(app);
        io.stdout.write(
          `Cairn API listening on ${address}\nWeb UI: ${address}/\nAPI docs: ${address}/docs\n` +
            (adminKey ? `admin API key (shown once, store it): ${adminKey}\n` : ''),
        );
        const schedule = config.backup.schedule ? startServerBackups(backups, config.backup, server.log) : undefined;
        void warmSearch(app, (collection, error) => server.log.warn({ err: error, collection }, 'warming the search indexes failed; searches load them on first use'));
        const signal = await stopped;
        server.log.info({ signal }, 'shutting down: no new connections, finishing in-flight requests and the batch each job is writing');
        // Jobs stop between documents and stay queued; the next start runs them on. A backup in
        // progress is cancelled (its staging folder removed): the next scheduled one runs on time.
        schedule?.stop();
        const backupsStopped = backups.stop();
        const jobsStopped = jobRunner?.stop();
        // close() drops only the connections idle at that moment; a keep-alive connection whose
        // response ends later would hold the server open until the client's own timeout.
        const sweep = setInterval(() => server.server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        try {
          await server.close();
        } finally {
          await jobsStopped;
          await backupsStopped;
          clearInterval(sweep);
          clearTimeout(force);
        }
        server.log.info('stopped');
      } finally {
        await app.close();
      }
    });
}

/** Starts `backup.schedule`; every outcome goes to the log (a failure never stops the server). */
function startServerBackups(
  backups: BackupService,
  settings: { schedule?: string; keepLast: number; keepDaily: number },
  log: { info: (object: object, message: string) => void; warn: (object: object, message: string) => void; error: (object: object, message: string) => void },
): BackupSchedule {
  const schedule = startBackupSchedule(backups, {
    schedule: settings.schedule!,
    retention: { keepLast: settings.keepLast, keepDaily: settings.keepDaily },
    onTick: (event) => {
      if (event.type === 'skipped') return log.warn({ reason: event.reason }, 'scheduled backup skipped');
      const { run } = event.outcome;
      if (run.status === 'succeeded') log.info({ backup: run.archive, millis: run.millis }, 'scheduled backup written');
      if (event.pruned && event.pruned.removed.length > 0) log.info({ removed: event.pruned.removed.map((a) => a.name) }, 'old backups pruned');
      if (event.pruneError) log.error({ err: event.pruneError }, 'pruning old backups failed');
    },
  });
  log.info({ schedule: settings.schedule, next: schedule.nextRun()?.toISOString() ?? null, dir: backups.dir }, 'backup schedule started');
  return schedule;
}

/** A port another process holds, or one that needs privileges, as PORT_UNAVAILABLE with a free port to try. */
async function listenError(error: unknown, host: string, port: number): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return error;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const free = await freePortAfter(host, port);
  const suggestion = free === undefined ? '`cairn serve --port 0` picks any free port' : `try \`cairn serve --port ${free}\` (free now), or --port 0 for any free port`;
  return code === 'EADDRINUSE'
    ? new CairnError('PORT_UNAVAILABLE', `Port ${port} is already in use on ${where}: another process (perhaps another cairn serve) listens there.`, {
        hint: `Stop that process, or ${suggestion}. CAIRN_PORT sets the default.`,
        cause: error,
      })
    : new CairnError('PORT_UNAVAILABLE', `Not allowed to listen on ${where}: ports below 1024 need privileges.`, { hint: `Use a port from 1024 up: ${suggestion}.`, cause: error });
}

/** The first of the next ten ports (from 1024) that can be bound on `host` right now, if any. */
async function freePortAfter(host: string, port: number): Promise<number | undefined> {
  const start = Math.max(1024, port + 1);
  for (let candidate = start; candidate < start + 10 && candidate <= 65535; candidate++) {
    const bound = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen({ host, port: candidate, exclusive: true }, () => probe.close(() => resolve(true)));
    });
    if (bound) return candidate;
  }
  return undefined;
}

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
