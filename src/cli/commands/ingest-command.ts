import type { Command } from 'commander';
import { ingest } from '../../app/ingest.js';
import { CairnError } from '../../core/cairn-error.js';
import { ingestInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import type { IngestEvent, IngestSummary } from '../../ingest/ingest-events.js';
import { LINK_LEADS_OUT } from '../../ingest/source/resolve-sources.js';
import { collect, parseInteger, printJson, withApp, type CliIo } from '../cli-context.js';
import { IngestProgress } from '../ingest-progress.js';
import { ProgressLine } from '../progress-bar.js';

export function registerIngestCommand(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('Ingest files, directories, git repositories (local path or clone URL) and, with --crawl, documentation web sites into a collection')
    .argument('<sources...>', 'files, directories, git repository paths or clone URLs; with --crawl, start pages of web sites')
    .option('-c, --collection <name>', 'collection to ingest into (created on first use)')
    .option('--prune', 'remove documents whose source file disappeared from these roots')
    .option('--tag <tag>', 'tag every document of this run (repeatable)', collect)
    .option('--force', 're-parse and re-chunk even unchanged files')
    .option('--chunk-size <tokens>', 'chunk budget in embedder tokens (new collections only)', parseInteger)
    .option('--chunk-overlap <tokens>', 'overlap in tokens (new collections only)', parseInteger)
    .option('--crawl', 'http(s) sources are web sites to crawl (sitemap, else links), not git repositories')
    .option('--max-pages <n>', 'crawl: pages requested at most (default crawl.maxPages, 5000)', parseInteger)
    .option('--max-depth <n>', 'crawl: link hops from the start page (default crawl.maxDepth, 10)', parseInteger)
    .option('--scope <url-or-path>', "crawl: URL prefix pages must lie in (default: the start page's directory)")
    .option('--include <glob>', 'crawl: only URL paths matching this glob, e.g. "/guide/**" (repeatable)', collect)
    .option('--exclude <glob>', 'crawl: skip URL paths matching this glob (repeatable)', collect)
    .option('--no-sitemap', 'crawl: follow links even when the site has a sitemap')
    .option('--concurrency <n>', 'crawl: requests in flight at once (default crawl.concurrency, 2)', parseInteger)
    .option('--delay <ms>', 'crawl: least time between two requests to the site (default crawl.delayMs, 250)', parseInteger)
    .option('--follow-symlinks', 'also ingest files whose symbolic links lead out of the folder or repository (default: skipped and reported)')
    .action(async (sources: string[], options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(ingestInputSchema, {
          collection: options.collection ?? app.config.defaultCollection,
          sources,
          prune: options.prune,
          tags: options.tag,
          force: options.force,
          embedder: app.config.embedder,
          chunkSize: options.chunkSize,
          chunkOverlap: options.chunkOverlap,
          ...(options.crawl ? { crawl: crawlFlags(options) } : {}),
          followSymlinks: options.followSymlinks,
        });
        if (!options.crawl && Object.keys(crawlFlags(options)).length > 0) {
          throw new CairnError('INPUT_INVALID', 'Crawl options were given without --crawl.', { hint: 'Add --crawl to crawl the http(s) sources as web sites.' });
        }
        const progress = new ProgressLine(io.stderr);
        const counts = new IngestProgress();
        const onEvent = (event: IngestEvent) => {
          if (event.type === 'source') {
            progress.done();
            io.stderr.write(`source ${event.root} (${event.kind}${event.commit ? ` @ ${event.commit.slice(0, 12)}` : ''})\n`);
          } else if (event.type === 'index') {
            progress.update(event.phase === 'start' ? 'updating the vector index…' : `vector index ready (${event.vectors} vectors)`, true);
          } else if (counts.onEvent(event)) {
            progress.update(counts.line(), event.type === 'plan');
          }
        };
        // Counting walks each source once more before ingesting: only worth it where the line is drawn.
        const countFiles = io.stderr.isTTY === true;
        // The CLI's user is the operator: a crawl may reach hosts on private networks (sources.* limits remote callers).
        const summary = await ingest(app, { ...input, onEvent, countFiles, ...(input.crawl ? { allowPrivateNetworks: true } : {}) });
        progress.done();
        if (flags.json) printJson(io, summary);
        else printSummary(io, summary);
        return summary;
      }).then((summary) => {
        // Failure only when files were found and none of them could be ingested.
        const usable = summary.filesNew + summary.filesUpdated + summary.filesUnchanged;
        process.exitCode = usable === 0 && summary.filesSkipped > 0 ? 1 : 0;
      }),
    );
}

/** The crawl flags given, as ingest input (absent ones fall back to `crawl.*` of the configuration). */
function crawlFlags(options: Record<string, unknown>): Record<string, unknown> {
  return {
    ...(options.maxPages === undefined ? {} : { maxPages: options.maxPages }),
    ...(options.maxDepth === undefined ? {} : { maxDepth: options.maxDepth }),
    ...(options.scope === undefined ? {} : { scope: options.scope }),
    ...(options.include === undefined ? {} : { include: options.include }),
    ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
    ...(options.sitemap === false ? { sitemap: false } : {}),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.delay === undefined ? {} : { delayMs: options.delay }),
  };
}

function printSummary(io: CliIo, s: IngestSummary): void {
  const seconds = s.millis.total / 1000;
  const rate = s.chunksWritten > 0 ? ` (${Math.round(s.chunksWritten / seconds)} chunks/s)` : '';
  io.stdout.write(
    `Ingested into "${s.collection}" in ${seconds.toFixed(1)} s: ${s.filesSeen} files — ${s.filesNew} new, ${s.filesUpdated} updated, ` +
      `${s.filesUnchanged} unchanged, ${s.filesSkipped} skipped${s.filesPruned ? `, ${s.filesPruned} pruned` : ''}; ` +
      `${s.chunksWritten} chunks written${rate}, ${s.chunksEmbedded} embedded, ${s.chunksReused} vectors reused.\n`,
  );
  if (s.lexicalOnly) io.stdout.write('Lexical-only: no vectors were computed for this collection.\n');
  if (s.skipped.length > 0) {
    io.stdout.write(`Skipped files (${s.skipped.length}):\n`);
    for (const entry of s.skipped) io.stdout.write(`  ${entry.relativePath}: ${entry.reason} [${entry.code}]\n`);
    if (s.skipped.some((entry) => entry.reason === LINK_LEADS_OUT)) {
      io.stdout.write('Symbolic links that lead out of the ingested folder were not followed; run again with --follow-symlinks to ingest their targets.\n');
    }
  }
  for (const notice of s.notices) io.stdout.write(`${notice}\n`);
}
