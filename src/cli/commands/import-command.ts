import type { Command } from 'commander';
import { importChroma } from '../../app/import-chroma.js';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { CairnError } from '../../core/cairn-error.js';
import { chromaClientFromConfig } from '../../stores/chroma/create-chroma-vector-index.js';
import { printJson, withApp, type CliIo } from '../cli-context.js';
import { bar, ProgressLine } from '../progress-bar.js';

export function registerImportCommand(program: Command, io: CliIo): void {
  const imports = program.command('import').description('Bring a knowledge base from another system into Cairn');
  imports
    .command('chroma')
    .description('Import a Chroma collection (documents, metadatas, embeddings); resumable, with a count check at the end')
    .requiredOption('--collection <name>', 'the Chroma collection to read')
    .option('--url <url>', 'the Chroma server (default: vectorStore.url); the token is vectorStore.token (CAIRN_VECTOR_STORE_TOKEN)')
    .option('--into <name>', 'the Cairn collection to write (default: the Chroma name)')
    .action(async (options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const url = options.url ?? app.config.vectorStore.url;
        if (url === undefined) {
          throw new CairnError('INPUT_INVALID', 'Which Chroma server? No --url and no vectorStore.url.', { hint: 'Pass --url http://host:8000.' });
        }
        const into = parseInput(collectionNameSchema, options.into ?? String(options.collection).replace(/[^A-Za-z0-9_-]/g, '-'));
        const progress = new ProgressLine(io.stderr);
        const summary = await importChroma(app, {
          client: chromaClientFromConfig(app.config, url),
          source: options.collection,
          into,
          ...(flags.embedder === undefined ? {} : { embedder: flags.embedder }),
          onProgress: (done, total) => progress.update(`importing ${bar(total ? done / total : 1)} ${done}/${total} records`),
          onNotice: (text) => io.stderr.write(`notice: ${text}\n`),
        });
        progress.done();
        if (flags.json) return printJson(io, summary);
        io.stdout.write(
          `Imported ${summary.imported} records of Chroma "${summary.source}" into "${summary.collection}" (${summary.unchanged} unchanged, ${summary.skipped} without text; vectors ${summary.vectors}); ` +
            `count check: ${summary.documents} of ${summary.total} records in Cairn (${(summary.millis / 1000).toFixed(1)} s).\n`,
        );
      }),
    );
}
