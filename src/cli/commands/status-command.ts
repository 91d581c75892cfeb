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
          io.stdout.write(`  ${c.name}: ${c.documentCount} documents, ${c.chunkCount} chunks, ${c.vectors} vectors · ${c.embedder}${c.vectorStore ? ` · vectors in ${c.vectorStore}` : ''}\n`);
        }
        const health = report.vectorStore;
        if (health !== undefined) {
          io.stdout.write(
            health.ok
              ? `vector store: ${health.kind} ${health.version ?? ''} at ${health.location}, heartbeat ${health.latencyMs ?? '?'} ms\n`
              : `vector store: ${health.kind} at ${health.location} is not answering: ${health.error ?? 'unknown error'}\n`,
          );
          for (const c of health.collections) {
            io.stdout.write(`  ${c.collection}: ${c.count} of ${c.expected} vectors${c.inSync ? ', in sync' : ' — out of sync, run `cairn index rebuild`'}\n`);
          }
        }
      }),
    );
}
