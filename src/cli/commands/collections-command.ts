import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { createCollection, deleteCollection, getCollection, listCollections } from '../../app/collections.js';
import { CairnError } from '../../core/cairn-error.js';
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
    .option('-y, --yes', 'delete without asking (needed when standard input is not a terminal)')
    .description('Delete a collection with all its documents and vectors (asks first)')
    .action(async (name: string, options: { yes?: boolean }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        if (!options.yes) {
          const record = await getCollection(app, name);
          const stdin = io.stdin ?? process.stdin;
          if (stdin.isTTY !== true) {
            throw new CairnError('INPUT_INVALID', `Not deleting collection "${name}" without confirmation: standard input is not a terminal.`, {
              hint: `Add --yes to delete it without asking: \`cairn collections delete ${name} --yes\`.`,
            });
          }
          const question = `Delete collection "${name}" (${record.documentCount} documents, ${record.chunkCount} chunks)? This cannot be undone. [y/N] `;
          if (!(await confirm(stdin, io.stderr, question))) {
            throw new CairnError('ABORTED', `Collection "${name}" was not deleted.`, { hint: 'Answer "y" to delete it, or pass --yes.' });
          }
        }
        await deleteCollection(app, name);
        if (flags.json) printJson(io, { deleted: name });
        else io.stdout.write(`Deleted collection "${name}".\n`);
      }),
    );
}

/** Asks on `output` and reads one line from the terminal; only "y" or "yes" (any case) confirms. */
async function confirm(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<boolean> {
  const lines = createInterface({ input, output, terminal: false });
  try {
    output.write(question);
    const answer = await new Promise<string | undefined>((resolve) => {
      lines.once('line', resolve);
      lines.once('close', () => resolve(undefined));
    });
    return /^\s*y(?:es)?\s*$/i.test(answer ?? '');
  } finally {
    lines.close();
  }
}

function formatCollection(c: CollectionRecord): string {
  return `${c.name}: ${c.documentCount} documents, ${c.chunkCount} chunks · ${c.embedder}${c.dimensions ? ` (${c.dimensions}-d)` : ''} · chunks of ${c.chunkSize} tokens, overlap ${c.chunkOverlap}\n`;
}
