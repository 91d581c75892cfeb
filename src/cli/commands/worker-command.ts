import type { Command } from 'commander';
import { createJobRunner } from '../../app/jobs/create-job-runner.js';
import { assertSharedStore } from '../../app/jobs/shared-store-check.js';
import { removeOrphanUploads } from '../../app/jobs/upload-receiver.js';
import { openCairn } from '../../app/open-cairn.js';
import { CairnError } from '../../core/cairn-error.js';
import { buildWorkerServer } from '../../http/build-worker-server.js';
import { configFromFlags, packageVersion, parseInteger, type CliIo, type GlobalFlags } from '../cli-context.js';
import { ORPHAN_UPLOAD_MIN_AGE_MS } from './serve-command.js';

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('Run ingestion jobs from the shared database, no API (beside `cairn serve --no-jobs`); /healthz, /readyz and /metrics on a small port')
    .option('--host <host>', 'interface of the health and metrics port (CAIRN_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port of /healthz, /readyz and /metrics; 0 picks a free one (CAIRN_WORKER_PORT, default 7701)', parseInteger)
    .action(async (options: { host?: string; port?: number }, command: Command) => {
      const config = configFromFlags(command.optsWithGlobals<GlobalFlags>(), io);
      if (options.host) config.server.host = options.host;
      if (options.port !== undefined) {
        if (options.port < 0 || options.port > 65535) throw new CairnError('INPUT_INVALID', `Invalid port ${options.port}.`, { hint: 'Use a port from 1 to 65535, or 0 for any free one.' });
        config.jobs.workerPort = options.port;
      }
      const shared = assertSharedStore(config);
      let notice = (text: string): void => void io.stderr.write(`notice: ${text}\n`);
      if (shared) notice(shared);
      const app = await openCairn(config, { longRunning: false, onNotice: (text) => notice(text) });
      try {
        const server = await buildWorkerServer(app, { version: packageVersion(), logger: { level: 'info', stream: io.stderr } });
        notice = (text) => server.log.warn({ notice: text }, text);
        const runner = createJobRunner(app, (message, error) => server.log.error({ err: error }, message), {
          onRun: (job) => server.log.info({ job: job.id, collection: job.collection, kind: job.kind, resumed: job.progress.filesDone > 0 || job.startedAt !== null }, 'running job'),
        });
        if (!runner) throw new CairnError('STORE_MISCONFIGURED', 'This store keeps no jobs, so a worker has nothing to run.', { hint: 'Use a store backend with jobs (SQLite or PostgreSQL).' });
        if (app.uploads) await removeOrphanUploads(app.uploads, runner.store, { minAgeMs: ORPHAN_UPLOAD_MIN_AGE_MS });
        const stopped = waitForStopSignal();
        const address = await server.listen({ host: config.server.host, port: config.jobs.workerPort });
        await runner.start();
        io.stdout.write(`Cairn worker ${runner.owner} running up to ${config.jobs.workers} jobs at a time\nHealth and metrics: ${address}/healthz ${address}/readyz ${address}/metrics\n`);
        const signal = await stopped;
        server.log.info({ signal }, 'shutting down: finishing the batch each job is writing; the jobs go back to the queue for any process');
        try {
          await runner.stop();
        } finally {
          await server.close();
        }
        server.log.info('stopped');
      } finally {
        await app.close();
      }
    });
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
