import type { Command } from 'commander';
import { createCollection, deleteCollection, listCollections } from '../../app/collections.js';
import type { CollectionRecord } from '../../stores/collection-record.js';
import { parseInteger, printJson, withApp, type CliIo } from '../cli-context.js';

export function registerCollectionsCommand(program: Command, io: CliIo): void {
  const collections = program.command('collections').description('List, create and delete collections');
  const list = async (_options: unknown, command: Command) =>
    withApp(command, io, async (app, flags) => {
      const records = await listCollections(app);
      if (flags.json) return printJson(io, { collections: records });
      if (records.length === 0) return void io.stdout.write('No collections yet. Create one with `cairn ingest <path> --collection <name>`.\n');
      for (const c of records) io.stdout.write(formatCollection(c));
    });
  collections.action(list);
  collections.command('list').description('List collections with their counts and embedder').action(list);
  collections
    .command('create')
    .argument('<name>')
    .option('--chunk-size <tokens>', 'chunk budget in embedder tokens', parseInteger)
    .option('--chunk-overlap <tokens>', 'overlap in tokens', parseInteger)
    .description('Create a collection with the configured embedder (CAIRN_EMBEDDER / --embedder)')
    .action(async (name: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const record = await createCollection(app, name, { embedder: app.config.embedder, chunkSize: options.chunkSize, chunkOverlap: options.chunkOverlap });
        if (flags.json) printJson(io, record);
        else io.stdout.write(`Created ${formatCollection(record)}`);
      }),
    );
  collections
    .command('delete')
    .alias('rm')
    .argument('<name>')
    .description('Delete a collection with all its documents and vectors')
    .action(async (name: string, _options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        await deleteCollection(app, name);
        if (flags.json) printJson(io, { deleted: name });
        else io.stdout.write(`Deleted collection "${name}".\n`);
      }),
    );
}

function formatCollection(c: CollectionRecord): string {
  return `${c.name}: ${c.documentCount} documents, ${c.chunkCount} chunks · ${c.embedder}${c.dimensions ? ` (${c.dimensions}-d)` : ''} · chunks of ${c.chunkSize} tokens, overlap ${c.chunkOverlap}\n`;
}
