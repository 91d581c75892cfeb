import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createBackup } from '../../app/backup/create-backup.js';
import { listBackups, pruneBackups } from '../../app/backup/list-backups.js';
import { openStoreRestore } from '../../app/backup/open-store-restore.js';
import { restoreBackup } from '../../app/backup/restore-backup.js';
import { verifyBackup } from '../../app/backup/verify-backup.js';
import { openUploadStore, uploadStoreKind } from '../../app/jobs/open-upload-store.js';
import type { StoreCounts } from '../../stores/store-backup.js';
import { configFromFlags, packageVersion, parseInteger, printJson, withApp, type CliIo, type GlobalFlags } from '../cli-context.js';

export function registerBackupCommand(program: Command, io: CliIo): void {
  const backup = program.command('backup').description('Back up, verify, restore and prune archives of the knowledge base');
  backup
    .command('create')
    .option('--to <dir>', 'folder of the archive (default backup.dir: <home>/backups)')
    .description('Write a consistent backup while Cairn keeps running (cairn serve may be ingesting)')
    .action(async (options: { to?: string }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const result = await createBackup(app, { version: packageVersion(), ...(options.to ? { dir: resolve(io.cwd, options.to) } : {}) });
        const { manifest } = result;
        if (flags.json) return printJson(io, { name: result.name, path: result.path, bytes: result.bytes, createdAt: result.createdAt, millis: Math.round(result.millis), manifest });
        io.stdout.write(`Backup written: ${result.path} (${formatBytes(result.bytes)}, ${(result.millis / 1000).toFixed(1)} s)\n`);
        io.stdout.write(`  ${formatCounts(manifest.counts)}; ${manifest.uploads.jobs.length} upload folder(s) of unfinished jobs\n`);
        for (const note of manifest.notes) io.stdout.write(`  ${note}\n`);
      }),
    );
  backup
    .command('verify')
    .argument('<archive>', 'a cairn-backup-*.tar.gz file')
    .description('Check an archive: checksums, database integrity, counts against its manifest')
    .action(async (archive: string, _options: unknown, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      const report = await verifyBackup(resolve(io.cwd, archive), openStoreRestore(config));
      if (flags.json) return printJson(io, { ok: true, archive: report.archive, members: report.members, bytes: report.bytes, millis: Math.round(report.millis), manifest: report.manifest });
      io.stdout.write(
        `OK ${report.archive}\n  made ${report.manifest.createdAt} by Cairn ${report.manifest.cairnVersion} (${report.manifest.store.kind}, schema ${report.manifest.store.schemaVersion})\n` +
          `  ${report.members} members (${formatBytes(report.bytes)}) match their sha256; integrity check passed; counts match the manifest:\n` +
          `  ${formatCounts(report.manifest.counts)}\n`,
      );
    });
  backup
    .command('restore')
    .argument('<archive>', 'a cairn-backup-*.tar.gz file')
    .option('--force', 'replace a home that already holds data')
    .description('Verify an archive, then restore it into the home (--home, CAIRN_HOME); refuses a home with data unless --force')
    .action(async (archive: string, options: { force?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      // A restored SQLite home whose uploads go to S3 gets them there (PostgreSQL is restored with its own tools).
      const uploads = uploadStoreKind(config) === 's3' ? await openUploadStore(config, { kind: config.store.kind }) : undefined;
      let report: Awaited<ReturnType<typeof restoreBackup>>;
      try {
        report = await restoreBackup(config, resolve(io.cwd, archive), openStoreRestore(config), { force: options.force ?? false, ...(uploads ? { uploads } : {}) });
      } finally {
        await uploads?.close();
      }
      if (flags.json) return printJson(io, { restored: report.archive, home: report.home, location: report.location, uploads: report.uploads, millis: Math.round(report.millis), manifest: report.manifest });
      io.stdout.write(
        `Restored ${report.archive} (made ${report.manifest.createdAt}) into ${report.location}\n  ${formatCounts(report.manifest.counts)}\n` +
          (report.uploads > 0 ? `  ${report.uploads} upload folder(s): their jobs run when \`cairn serve\` starts\n` : '') +
          `Start it with \`cairn serve --home ${report.home}\`, or search it with \`cairn search … --home ${report.home}\`.\n`,
      );
    });
  backup
    .command('list')
    .option('--dir <dir>', 'backup folder (default backup.dir: <home>/backups)')
    .description('List the archives of the backup folder, newest first')
    .action(async (options: { dir?: string }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const dir = options.dir ? resolve(io.cwd, options.dir) : configFromFlags(flags, io).backup.dir!;
      const backups = await listBackups(dir);
      if (flags.json) return printJson(io, { dir, backups });
      if (backups.length === 0) return void io.stdout.write(`No backups in ${dir}. Make one with \`cairn backup create\`.\n`);
      for (const item of backups) {
        const what = item.manifest ? formatCounts(item.manifest.counts) : `unreadable: ${item.unreadable}`;
        io.stdout.write(`${item.name}  ${formatBytes(item.bytes)}  ${what}\n`);
      }
    });
  backup
    .command('prune')
    .option('--keep-last <n>', 'keep the newest N archives (default backup.keepLast)', parseInteger)
    .option('--keep-daily <d>', 'keep the newest archive of each of the D latest days that have one (default backup.keepDaily)', parseInteger)
    .option('--dir <dir>', 'backup folder (default backup.dir: <home>/backups)')
    .option('--dry-run', 'only say which archives would be deleted')
    .description('Delete the archives neither rule keeps (an archive is kept when either rule keeps it)')
    .action(async (options: { keepLast?: number; keepDaily?: number; dir?: string; dryRun?: boolean }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      const dir = options.dir ? resolve(io.cwd, options.dir) : config.backup.dir!;
      const rule = { keepLast: options.keepLast ?? config.backup.keepLast, keepDaily: options.keepDaily ?? config.backup.keepDaily };
      const result = await pruneBackups(dir, rule, { dryRun: options.dryRun ?? false });
      if (flags.json) return printJson(io, { dir, ...rule, dryRun: options.dryRun ?? false, kept: result.kept.map((a) => a.name), removed: result.removed.map((a) => a.name) });
      const verb = options.dryRun ? 'would delete' : 'deleted';
      for (const archive of result.removed) io.stdout.write(`${verb} ${archive.name}\n`);
      io.stdout.write(`${result.kept.length} kept, ${result.removed.length} ${verb} (keep-last ${rule.keepLast}, keep-daily ${rule.keepDaily}) in ${dir}\n`);
    });
}

function formatCounts(counts: StoreCounts): string {
  const collections = counts.collections.length;
  return `${collections} collection${collections === 1 ? '' : 's'}, ${counts.documents} documents, ${counts.chunks} chunks, ${counts.vectors} vectors, ${counts.apiKeys} API keys, ${counts.jobs} jobs, ${counts.chatSessions} chat sessions, ${counts.memories} memories`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
