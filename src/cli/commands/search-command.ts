import type { Command } from 'commander';
import { searchInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { searchResultsJson } from '../../app/render/search-result-json.js';
import { search } from '../../app/search.js';
import type { DocumentHit, ScoredChunk } from '../../core/search-types.js';
import { parseInteger, parseNumber, printJson, withApp, type CliIo } from '../cli-context.js';
import { renderSnippet, terminalStyles } from '../render-snippet.js';
import { addSearchFilterOptions, searchFilterFromFlags } from '../search-filter-options.js';

export function registerSearchCommand(program: Command, io: CliIo): void {
  const searchCommand = program
    .command('search')
    .description('Search a collection (lexical BM25, dense vectors, or hybrid fusion)')
    .argument('<query...>', 'what to look for')
    .option('-c, --collection <name>', 'collection to search')
    .option('-m, --mode <mode>', 'lexical | dense | hybrid')
    .option('-k, --k <n>', 'number of results: distinct documents (chunks with --chunks)', parseInteger)
    .option('--chunks', 'return the k best chunks (raw passages, several may come from one document) instead of k documents')
    .option('--passages <n>', 'best passages shown per document (default 3)', parseInteger)
    .option('--min-score <score>', 'drop results scoring below this', parseNumber)
    .option('--collapse', 'one result per near-duplicate cluster, the others listed as "also in: …" (default: search.collapseDuplicates, on)')
    .option('--no-collapse', 'list each near-duplicate document on its own (default when search.collapseDuplicates is off)')
    .option('--rerank', 'reorder the top chunks with the reranker (--reranker, CAIRN_RERANKER) before grouping')
    .option('--rerank-depth <n>', 'chunks the reranker reorders (default rerank.candidates)', parseInteger);
  addSearchFilterOptions(searchCommand)
    .action(async (queryWords: string[], options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(searchInputSchema, {
          collection: options.collection ?? app.config.defaultCollection,
          query: queryWords.join(' '),
          mode: options.mode,
          k: options.k,
          minScore: options.minScore,
          ...(options.rerank ? { rerank: true } : {}),
          ...(options.rerankDepth === undefined ? {} : { rerankDepth: options.rerankDepth }),
          group: options.chunks ? 'chunks' : 'documents',
          passages: options.passages,
          filter: searchFilterFromFlags(options),
          ...(options.collapse === undefined ? {} : { collapseDuplicates: options.collapse as boolean }),
        });
        const response = await search(app, { ...input, origin: { surface: 'cli' } });
        for (const notice of response.notices) app.notice(notice);
        if (flags.json) {
          printJson(io, { query: input.query, collection: response.collection, mode: response.mode, group: response.group, timings: response.timings, results: searchResultsJson(response) });
          return;
        }
        if (response.results.length === 0) {
          io.stdout.write(`No results in "${response.collection}" for "${input.query}".\n`);
          return;
        }
        const styled = terminalStyles(io.stdout, io.env);
        if (response.documents) response.documents.forEach((document, i) => io.stdout.write(formatDocument(document, i + 1, styled)));
        else response.results.forEach((result, i) => io.stdout.write(formatResult(result, i + 1, styled)));
        const unit = response.documents ? 'documents' : 'chunks';
        io.stdout.write(`${response.results.length} ${unit} · ${response.mode} · ${response.timings.totalMs.toFixed(1)} ms\n`);
      }),
    );
}

function formatDocument(document: DocumentHit, rank: number, styled: boolean): string {
  const passages = document.passages.map((passage) => {
    const where = whereOf(passage);
    return `   · ${where.length ? `${where.join(', ')}  ` : ''}[${passage.score.toFixed(3)}]\n     ${renderSnippet(passage.snippet, passage.highlights, styled)}\n`;
  });
  const alsoIn = document.alsoIn !== undefined && document.alsoIn.length > 0 ? `   also in: ${document.alsoIn.join(', ')}\n` : '';
  return `${rank}. ${document.title}  [${document.score.toFixed(3)}]\n   ${document.sourceUri}\n${passages.join('')}${alsoIn}\n`;
}

function whereOf(result: ScoredChunk): string[] {
  return [
    result.anchor ? `#${result.anchor}` : undefined,
    result.headingPath.length > 0 ? result.headingPath.join(' › ') : undefined,
    result.pageStart ? `p. ${result.pageStart}${result.pageEnd && result.pageEnd !== result.pageStart ? `–${result.pageEnd}` : ''}` : undefined,
    result.lineStart ? `lines ${result.lineStart}–${result.lineEnd ?? result.lineStart}` : undefined,
  ].filter((part): part is string => Boolean(part));
}

function formatResult(result: ScoredChunk, rank: number, styled: boolean): string {
  const where = [
    result.headingPath.length > 0 ? result.headingPath.join(' › ') : undefined,
    result.pageStart ? `p. ${result.pageStart}${result.pageEnd && result.pageEnd !== result.pageStart ? `–${result.pageEnd}` : ''}` : undefined,
    result.lineStart ? `lines ${result.lineStart}–${result.lineEnd ?? result.lineStart}` : undefined,
  ].filter(Boolean);
  const arms = [
    result.scores.lexical ? `lexical #${result.scores.lexical.rank}` : undefined,
    result.scores.dense ? `dense #${result.scores.dense.rank}` : undefined,
    result.scores.rerank ? `reranked #${result.scores.rerank.rank}` : undefined,
  ].filter(Boolean);
  return (
    `${rank}. ${result.title}  [${result.score.toFixed(3)}${arms.length ? `; ${arms.join(', ')}` : ''}]\n` +
    `   ${result.sourceUri}${result.anchor ? `#${result.anchor}` : ''}${where.length ? `  (${where.join(', ')})` : ''}\n` +
    `   ${renderSnippet(result.snippet, result.highlights, styled)}\n` +
    (result.alsoIn !== undefined && result.alsoIn.length > 0 ? `   also in: ${result.alsoIn.join(', ')}\n` : '') +
    '\n'
  );
}
