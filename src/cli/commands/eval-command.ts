import type { Command } from 'commander';
import { evaluateBeir } from '../../app/evaluate-beir.js';
import { beirEvalInputSchema } from '../../app/input-schemas.js';
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
        });
        const report = await evaluateBeir(app, input, (text) => flags.json || io.stderr.write(`${text}\n`));
        for (const notice of report.notices) app.notice(notice);
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          `${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks) · ${report.mode} · ${report.embedder}\n` +
            `nDCG@10 ${report.ndcg_at_10.toFixed(4)} · Recall@100 ${report.recall_at_100.toFixed(4)} · MRR@10 ${report.mrr_at_10.toFixed(4)}\n` +
            `ingest ${(report.ingest_ms / 1000).toFixed(1)} s · search ${(report.search_ms / report.queries).toFixed(2)} ms/query\n`,
        );
      }, { longRunning: true }),
    );
}
