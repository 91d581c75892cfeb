import type { Command } from 'commander';
import { evaluateBeir, type BeirEvalReport } from '../../app/evaluate-beir.js';
import { evaluateFolder, type FolderEvalReport } from '../../app/evaluate-folder.js';
import { beirEvalInputSchema, folderEvalInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { comparePerQuery, type PerQueryComparison } from '../../eval/compare-per-query.js';
import { PER_QUERY_METRICS, readPerQueryFile } from '../../eval/per-query-file.js';
import { LATENCY_STAGES } from '../../eval/stage-latency.js';
import { parseInteger, parseNumber, printJson, withApp, type CliIo } from '../cli-context.js';

export function registerEvalCommand(program: Command, io: CliIo): void {
  const evaluate = program.command('eval').description('Measure retrieval quality on labelled datasets');
  const beir = evaluate
    .command('beir')
    .description('Evaluate on a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv): nDCG@10, Recall@100, MRR@10')
    .argument('<dir>', 'the dataset folder')
    .option('--split <split>', 'qrels split', 'test');
  addRunOptions(beir)
    .action(async (dir: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(beirEvalInputSchema, {
          dir,
          split: options.split,
          embedder: app.config.embedder,
          ...runInput(options),
        });
        const report = await evaluateBeir(app, input, (text) => flags.json || io.stderr.write(`${text}\n`));
        for (const notice of report.notices) app.notice(notice);
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          formatReport(
            report,
            `${report.dataset} (${report.split}, ${report.queries} queries, ${report.documents} documents, ${report.chunks} chunks) · ${report.mode} · ${report.embedder}`,
          ),
        );
      }, { longRunning: true }),
    );
  const folder = evaluate
    .command('folder')
    .description('Evaluate over a folder of files ingested as files (qrels name documents by relative path, with or without extension): nDCG@10, Recall@100, MRR@10 through cairn search')
    .argument('<dir>', 'the folder of documents')
    .requiredOption('--queries <file>', 'queries.jsonl: one {"_id", "text"} per line')
    .requiredOption('--qrels <file>', 'qrels TSV: query-id, relative path of the file (extension optional), score');
  addRunOptions(folder)
    .action(async (dir: string, options, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const input = parseInput(folderEvalInputSchema, {
          dir,
          queries: options.queries,
          qrels: options.qrels,
          embedder: app.config.embedder,
          ...runInput(options),
        });
        const report = await evaluateFolder(app, input, (text) => flags.json || io.stderr.write(`${text}\n`));
        for (const notice of report.notices) app.notice(notice);
        if (flags.json) return printJson(io, report);
        io.stdout.write(
          formatReport(
            report,
            `${report.folder} (${report.queries} queries, ${report.files} files, ${report.chunks} chunks) · ${report.mode} · ${report.embedder}`,
            report.unmatched_judgments > 0 ? `${report.unmatched_judgments} judged documents match no ingested file` : undefined,
          ),
        );
      }, { longRunning: true }),
    );
  evaluate
    .command('compare')
    .description('Paired comparison of two `eval beir|folder --per-query` files (b against a): mean difference, randomisation and t-test p')
    .argument('<a>', 'per-query file of the baseline')
    .argument('<b>', 'per-query file of the candidate')
    .option('--permutations <n>', 'random sign assignments of the randomisation test', parseInteger, 10_000)
    .option('--seed <n>', 'seed of the randomisation test', parseInteger, 1)
    .action(async (a: string, b: string, options, command: Command) => {
      const flags = command.optsWithGlobals<{ json?: boolean }>();
      const { resolve } = await import('node:path');
      const [left, right] = await Promise.all([readPerQueryFile(resolve(io.cwd, a)), readPerQueryFile(resolve(io.cwd, b))]);
      const comparison = comparePerQuery(left, right, { permutations: options.permutations, seed: options.seed });
      if (flags.json) return printJson(io, comparison);
      io.stdout.write(formatComparison(comparison));
    });
}

/** The options `eval beir` and `eval folder` share: how each query is searched, as `cairn search` would, and where per-query results go. */
function addRunOptions(command: Command): Command {
  return command
    .option('-m, --mode <mode>', 'lexical | dense | hybrid', 'lexical')
    .option('--fusion <kind>', 'hybrid fusion: adaptive (per-query weight from arm agreement) | fixed')
    .option('--lexical-weight <w>', 'fixed hybrid fusion with this lexical weight (0..1)', parseNumber)
    .option('--limit <n>', 'evaluate only the first n queries', parseInteger)
    .option('-k, --k <n>', 'documents per query, as cairn search -k (nDCG@10 and MRR@10 are those of this list)', parseInteger)
    .option('--rerank', "rerank each query's top chunks with the reranker (--reranker <spec>, CAIRN_RERANKER), as cairn search --rerank")
    .option('--rerank-depth <n>', 'chunks reranked per query (default rerank.candidates)', parseInteger)
    .option('--per-query <file>', 'write per-query metrics (JSON, for `cairn eval compare`) and a TREC run beside it (.trec)');
}

/** The parsed `addRunOptions` as the eval input schemas name them (validated there). */
function runInput(options: Record<string, unknown>) {
  return {
    mode: options.mode,
    fusion: options.fusion,
    lexicalWeight: options.lexicalWeight,
    limitQueries: options.limit,
    k: options.k,
    rerank: options.rerank === true,
    rerankDepth: options.rerankDepth,
    perQuery: options.perQuery,
  };
}

/** The printed report of `eval beir` and `eval folder`: what was measured, the metrics, timings and per-stage latency. */
function formatReport(report: BeirEvalReport | FolderEvalReport, what: string, warning?: string): string {
  const lines = [
    what + (report.reranker ? ` · rerank ${report.reranker} top ${report.rerank_depth}${report.rerank_device ? ` on ${report.rerank_device}` : ''}` : ''),
    `nDCG@10 ${report.ndcg_at_10.toFixed(4)} · Recall@100 ${report.recall_at_100.toFixed(4)} · MRR@10 ${report.mrr_at_10.toFixed(4)}`,
  ];
  if (warning) lines.push(warning);
  if (report.short_queries > 0) lines.push(`${report.short_queries} queries got fewer than ${report.k} documents`);
  lines.push(`ingest ${(report.ingest_ms / 1000).toFixed(1)} s · search ${(report.search_ms / Math.max(1, report.queries)).toFixed(2)} ms/query`, 'latency ms      p50       p95       p99');
  for (const stage of LATENCY_STAGES) {
    const p = report.latency_ms[stage];
    if (p) lines.push(`  ${stage.padEnd(8)} ${[p.p50, p.p95, p.p99].map((v) => v.toFixed(2).padStart(9)).join(' ')}`);
  }
  if (report.per_query_file) lines.push(`per-query metrics: ${report.per_query_file} · TREC run: ${report.trec_run_file}`);
  return `${lines.join('\n')}\n`;
}

function formatComparison(c: PerQueryComparison): string {
  const lines = [`a: ${c.a}`, `b: ${c.b}`, `${c.queries} paired queries${c.onlyInA + c.onlyInB > 0 ? ` (left out: ${c.onlyInA} only in a, ${c.onlyInB} only in b)` : ''}`];
  lines.push('metric            a        b      b−a   better/same/worse   p (randomisation)   p (t-test)');
  for (const metric of PER_QUERY_METRICS) {
    const m = c.metrics[metric];
    const w = c.wins[metric];
    const signed = `${m.meanDifference >= 0 ? '+' : ''}${m.meanDifference.toFixed(4)}`;
    lines.push(
      `${metric.padEnd(14)} ${m.meanA.toFixed(4)}   ${m.meanB.toFixed(4)}  ${signed.padStart(7)}   ${`${w.better}/${w.same}/${w.worse}`.padStart(17)}   ${formatP(m.randomisationP).padStart(17)}   ${formatP(m.tTestP).padStart(10)}`,
    );
  }
  lines.push(`p: two-sided, paired; randomisation with ${c.metrics.ndcg_at_10.permutations} sign flips (fixed seed). p ≥ 0.05: the difference may well be noise.`);
  return `${lines.join('\n')}\n`;
}

function formatP(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  return p < 0.0001 ? '<0.0001' : p.toFixed(4);
}
