import type { Command } from 'commander';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { rebuildVectorIndex } from '../../app/rebuild-vector-index.js';
import { printJson, withApp, type CliIo } from '../cli-context.js';

export function registerIndexCommand(program: Command, io: CliIo): void {
  const index = program.command('index').description('Maintain the vector index (the embedded HNSW graphs, or the Chroma server of vectorStore)');
  index
    .command('rebuild')
    .description('Repopulate the vector index from the store (every collection, or --collection): after Chroma lost data or was out of sync')
    .option('-c, --collection <name>', 'only this collection')
    .action(async (options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const collection = options.collection === undefined ? undefined : parseInput(collectionNameSchema, options.collection);
        const rebuilt = await rebuildVectorIndex(app, collection);
        if (flags.json) return printJson(io, { vectorIndex: app.vectors.kind, collections: rebuilt });
        for (const entry of rebuilt) {
          io.stdout.write(`${entry.collection}: ${entry.vectors} vectors in ${app.vectors.kind} (${(entry.millis / 1000).toFixed(1)} s)\n`);
        }
        if (rebuilt.length === 0) io.stdout.write('No collection has vectors.\n');
      }),
    );
}
