import type { Command } from 'commander';
import { status } from '../../app/status.js';
import { packageVersion, printJson, withApp, type CliIo } from '../cli-context.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('Show where data lives, the store, the collections and their embedders')
    .action(async (_options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const report = await status(app, packageVersion());
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          `cairn ${report.version}\nhome: ${report.home}\nstore: ${report.store.kind} at ${report.store.location} (${(report.store.bytes / 1048576).toFixed(1)} MB)\n` +
            `default embedder: ${report.defaultEmbedder}\ncollections: ${report.collections.length}\n`,
        );
        for (const c of report.collections) {
          io.stdout.write(`  ${c.name}: ${c.documentCount} documents, ${c.chunkCount} chunks, ${c.vectors} vectors · ${c.embedder}\n`);
        }
      }),
    );
}
