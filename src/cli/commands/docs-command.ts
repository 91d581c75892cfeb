import type { Command } from 'commander';
import { listDocuments, listDuplicates, removeDocuments, showDocument } from '../../app/documents.js';
import { parseInteger, printJson, withApp, type CliIo } from '../cli-context.js';

export function registerDocsCommand(program: Command, io: CliIo): void {
  const docs = program.command('docs').description('List, show and remove documents of a collection');
  docs
    .command('list')
    .option('-c, --collection <name>', 'collection')
    .option('--filter <text>', 'only documents whose path or title contains this text')
    .option('--sort <field>', 'path | title | modified | ingested | chunks', 'path')
    .option('--desc', 'descending order')
    .option('--limit <n>', 'page size', parseInteger, 50)
    .option('--offset <n>', 'skip this many', parseInteger, 0)
    .action(async (options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const page = await listDocuments(app, {
          collection: options.collection ?? app.config.defaultCollection,
          text: options.filter,
          sort: options.sort,
          order: options.desc ? 'desc' : 'asc',
          limit: options.limit,
          offset: options.offset,
        });
        if (flags.json) return printJson(io, page);
        for (const d of page.items) io.stdout.write(`${String(d.id).padStart(6)}  ${d.relativePath}  (${d.format}, ${d.chunkCount} chunks)  ${d.title}\n`);
        io.stdout.write(`${page.items.length} of ${page.total} documents\n`);
      }),
    );
  docs
    .command('duplicates')
    .description('List clusters of near-duplicate documents (ingest.nearDuplicates)')
    .option('-c, --collection <name>', 'collection')
    .action(async (options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const clusters = await listDuplicates(app, options.collection ?? app.config.defaultCollection);
        if (flags.json) return printJson(io, { clusters });
        for (const cluster of clusters) {
          io.stdout.write(`cluster ${cluster.cluster} (${cluster.members.length} documents)\n`);
          for (const member of cluster.members) io.stdout.write(`  ${String(member.documentId).padStart(6)}  ${member.relativePath}\n`);
        }
        const documents = clusters.reduce((sum, cluster) => sum + cluster.members.length, 0);
        io.stdout.write(`${clusters.length} clusters, ${documents} documents\n`);
      }),
    );
  docs
    .command('show')
    .argument('<document>', 'id, source URI or relative path')
    .option('-c, --collection <name>', 'collection')
    .action(async (ref: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const { document, chunks } = await showDocument(app, options.collection ?? app.config.defaultCollection, ref);
        if (flags.json) return printJson(io, { document, chunks });
        io.stdout.write(`${document.title}\n${document.uri}\nformat ${document.format}${document.language ? ` (${document.language})` : ''} · ${document.sizeBytes} bytes · ${chunks.length} chunks · tags: ${document.tags.join(', ') || 'none'}${document.gitCommit ? ` · commit ${document.gitCommit}` : ''}\n\n`);
        for (const chunk of chunks) {
          const where = [chunk.headingPath.join(' › '), chunk.pageStart ? `p. ${chunk.pageStart}-${chunk.pageEnd}` : '', chunk.lineStart ? `lines ${chunk.lineStart}-${chunk.lineEnd}` : ''].filter(Boolean).join(', ');
          io.stdout.write(`--- chunk ${chunk.ordinal} (${chunk.tokenCount} tokens${where ? `; ${where}` : ''})\n${chunk.text}\n`);
        }
      }),
    );
  docs
    .command('rm')
    .argument('<documents...>', 'ids, source URIs or relative paths')
    .option('-c, --collection <name>', 'collection')
    .action(async (refs: string[], options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const removed = await removeDocuments(app, options.collection ?? app.config.defaultCollection, refs);
        if (flags.json) return printJson(io, { removed: removed.map((d) => ({ id: d.id, uri: d.uri })) });
        for (const d of removed) io.stdout.write(`Removed ${d.relativePath} (${d.uri})\n`);
      }),
    );
}
