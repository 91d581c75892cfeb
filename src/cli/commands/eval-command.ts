import type { Command } from 'commander';
import { evaluateBeir } from '../../app/evaluate-beir.js';
import { evaluateFolder } from '../../app/evaluate-folder.js';
import { beirEvalInputSchema, folderEvalInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { parseInteger, parseNumber, printJson, withApp, type CliIo } from '../cli-context.js';

export function registerEvalCommand(program: Command, io: CliIo): void {
  const evaluate = program.command('eval').description('Measure retrieval quality on labelled datasets');
  evaluate
    .command('beir')
    .description('Evaluate on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv): nDCG@10, Recall@100, MRR@10')
    .argument('<dir>', 'the dataset folder')
    .option('-m, --mode <mode>', 'lexical | dense | hybrid', 'lexical')
    .option('--split <split>', 'qrels split', 'test')
    .option('--fusion <kind>', 'hybrid fusion: adaptive (per-query weight from arm agreement) | fixed')
    .option('--lexical-weight <w>', 'fixed hybrid fusion with this lexical weight (0..1)', parseNumber)
    .option('--limit <n>', 'evaluate only the first n queries', parseInteger)
    .option('-k, --k <n>', 'documents per query, as cairn search -k (nDCG@10 and MRR@10 are those of this list)', parseInteger)
    .action(async (dir: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(beirEvalInputSchema, {
          dir,
          mode: options.mode,
          split: options.split,
          embedder: app.config.embedder,
          lexicalWeight: options.lexicalWeight,
          fusion: options.fusion,
          limitQueries: options.limit,
          k: options.k,
        });
        const report = await evaluateBeir(app, input, (text) => flags.json || io.stderr.write(`${text}\n`));
        for (const notice of report.notices) app.notice(notice);
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          `${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks) · ${report.mode} · ${report.embedder}\n` +
            `nDCG@10 ${report.ndcg_at_10.toFixed(4)} · Recall@100 ${report.recall_at_100.toFixed(4)} · MRR@10 ${report.mrr_at_10.toFixed(4)}\n` +
            `${shortLine(report)}ingest ${(report.ingest_ms / 1000).toFixed(1)} s · search ${(report.search_ms / report.queries).toFixed(2)} ms/query\n`,
        );
      }, { longRunning: true }),
    );
  evaluate
    .command('folder')
    .description('Evaluate over a folder of files ingested as files (qrels name documents by relative path, with or without extension): nDCG@10, Recall@100, MRR@10 through cairn search')
    .argument('<dir>', 'the folder of documents')
    .requiredOption('--queries <file>', 'queries.jsonl: one {"_id", "text"} per line')
    .requiredOption('--qrels <file>', 'qrels TSV: query-id, relative path of the file (extension optional), score')
    .option('-m, --mode <mode>', 'lexical | dense | hybrid', 'lexical')
    .option('--fusion <kind>', 'hybrid fusion: adaptive | fixed')
    .option('--lexical-weight <w>', 'fixed hybrid fusion with this lexical weight (0..1)', parseNumber)
    .option('--limit <n>', 'evaluate only the first n queries', parseInteger)
    .option('-k, --k <n>', 'documents per query, as cairn search -k', parseInteger)
    .action(async (dir: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(folderEvalInputSchema, {
          dir,
          queries: options.queries,
          qrels: options.qrels,
          mode: options.mode,
          embedder: app.config.embedder,
          lexicalWeight: options.lexicalWeight,
          fusion: options.fusion,
          limitQueries: options.limit,
          k: options.k,
        });
        const report = await evaluateFolder(app, input, (text) => flags.json || io.stderr.write(`${text}\n`));
        for (const notice of report.notices) app.notice(notice);
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          `${report.folder} (${report.queries} queries, ${report.files} files, ${report.chunks} chunks) · ${report.mode} · ${report.embedder}\n` +
            `nDCG@10 ${report.ndcg_at_10.toFixed(4)} · Recall@100 ${report.recall_at_100.toFixed(4)} · MRR@10 ${report.mrr_at_10.toFixed(4)}\n` +
            (report.unmatched_judgments > 0 ? `${report.unmatched_judgments} judged documents match no ingested file\n` : '') +
            `${shortLine(report)}ingest ${(report.ingest_ms / 1000).toFixed(1)} s · search ${(report.search_ms / report.queries).toFixed(2)} ms/query\n`,
        );
      }, { longRunning: true }),
    );
}

function shortLine(report: { short_queries: number; k: number }): string {
  return report.short_queries > 0 ? `${report.short_queries} queries got fewer than ${report.k} documents\n` : '';
}
