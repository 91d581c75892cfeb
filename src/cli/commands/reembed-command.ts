import type { Command } from 'commander';
import { reembed } from '../../app/reembed.js';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { printJson, withApp, type CliIo } from '../cli-context.js';
import { bar, ProgressLine } from '../progress-bar.js';

export function registerReembedCommand(program: Command, io: CliIo): void {
  program
    .command('reembed')
    .description('Recompute every vector of a collection, optionally switching it to another embedder (--embedder)')
    .option('-c, --collection <name>', 'collection')
    .action(async (options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const collection = parseInput(collectionNameSchema, options.collection ?? app.config.defaultCollection);
        const progress = new ProgressLine(io.stderr);
        const summary = await reembed(app, {
          collection,
          embedder: app.config.embedder,
          onProgress: (done, total) => progress.update(`re-embedding ${bar(total ? done / total : 1)} ${done}/${total} chunks`),
        });
        progress.done();
        if (flags.json) return printJson(io, summary);
        io.stdout.write(`Re-embedded ${summary.chunks} chunks of "${summary.collection}" with ${summary.embedder} (${summary.dimensions}-d) in ${(summary.millis / 1000).toFixed(1)} s.\n`);
      }),
    );
}
