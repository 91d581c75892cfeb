import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { copyDatabase, type CopyProgress } from '../../app/db/copy-database.js';
import { databaseStatus, migrateDatabase, type DatabaseSchemaStatus } from '../../app/db/database-schema.js';
import { openDatabase } from '../../app/db/open-database.js';
import { parseStoreLocation } from '../../app/db/store-location.js';
import { configFromFlags, parseInteger, printJson, type CliIo, type GlobalFlags } from '../cli-context.js';
import { nearDuplicateSettings } from '../../app/ingest.js';
import { bar, ProgressLine } from '../progress-bar.js';

export function registerDbCommand(program: Command, io: CliIo): void {
  const db = program.command('db').description('The database: schema status and migrations, and copies between SQLite and PostgreSQL');
  db.command('status')
    .description('Backend, location (never the password), schema version and pending migrations')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const status = await databaseStatus(configFromFlags(flags, io));
      if (flags.json) return printJson(io, status);
      io.stdout.write(formatStatus(status));
    });
  db.command('migrate')
    .description('Apply pending migrations (PostgreSQL: under an advisory lock, safe beside running servers)')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const { applied, status } = await migrateDatabase(configFromFlags(flags, io));
      if (flags.json) return printJson(io, { applied, status });
      io.stdout.write(applied.length === 0 ? 'Nothing to migrate.\n' : `Applied migration(s) ${applied.join(', ')}.\n`);
      io.stdout.write(formatStatus(status));
    });
  db.command('copy')
    .requiredOption('--from <store>', 'source: a SQLite file (cairn.db) or postgres://user:password@host:5432/db')
    .requiredOption('--to <store>', 'target: a PostgreSQL URL or a SQLite file (created when missing)')
    .option('--batch <n>', 'documents per write transaction (default 256)', parseInteger)
    .description('Copy a whole knowledge base (collections, documents, chunks, vectors, keys, chats, memories, settings, analytics, jobs); resumable: run it again after an interruption')
    .action(async (options: { from: string; to: string; batch?: number }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      const source = await openDatabase(parseStoreLocation(options.from, io.cwd), config, { mustExist: true });
      try {
        const target = await openDatabase(parseStoreLocation(options.to, io.cwd), config);
        try {
          const line = new ProgressLine(io.stderr);
          const report = await copyDatabase(source, target, {
            ...(options.batch === undefined ? {} : { batchDocuments: options.batch }),
            onProgress: (progress) => line.update(formatProgress(progress)),
            onNotice: (text) => io.stderr.write(`notice: ${text}\n`),
            nearDuplicates: nearDuplicateSettings(config),
          });
          line.done();
          if (flags.json) return printJson(io, report);
          io.stdout.write(
            `Copied ${report.from} → ${report.to} in ${(report.millis / 1000).toFixed(1)} s: ${report.collections} collection(s), ` +
              `${report.documentsCopied} document(s) written, ${report.documentsPresent} already there; ` +
              `records added: ${Object.entries(report.recordsAdded).map(([name, n]) => `${name} ${n}`).join(', ')}.\n`,
          );
          io.stdout.write(`Counts (source = target): ${report.counts.map((c) => `${c.name} ${c.source}${c.target === c.source ? '' : `/${c.target}`}`).join(', ')}.\n`);
          if (target.kind === 'sqlite' && report.collections > 0) {
            // A SQLite home is the file plus the graphs beside it; moving only cairn.db costs a graph rebuild at the first search.
            io.stdout.write(`The vector index is in ${join(dirname(target.location), 'vectors')}: move it with ${basename(target.location)} into the home.\n`);
          }
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
      }
    });
}

function formatStatus(status: DatabaseSchemaStatus): string {
  const pending = status.pending.length === 0 ? 'none' : status.pending.map((step) => `${step.version} (${step.name})`).join(', ');
  return `backend: ${status.backend}\nlocation: ${status.location}\nschema: ${status.current} of ${status.latest}\npending migrations: ${pending}\n`;
}

function formatProgress(progress: CopyProgress): string {
  if (progress.phase === 'records') return `copying ${progress.store}: ${progress.done} record(s)`;
  if (progress.phase === 'index') return `building the vector index of ${progress.collection}…`;
  const fraction = progress.total === 0 ? 1 : progress.done / progress.total;
  return `copying ${progress.collection} ${bar(fraction)} ${progress.done}/${progress.total} documents (${progress.copied} written)`;
}
