/**
 * Ingest throughput (files, chunks/s, tokens/s, stage times, peak RSS) of the docs corpus through
 * the use-case layer, then the time of a second, unchanged ingest of the same source (incremental
 * re-ingest; target <= 10 s for the whole corpus). Targets: >= 3,000 chunks/s with the static model,
 * RSS <= 1 GiB.
 *
 *   node --import tsx bench/ingest-throughput.ts [--embedder static:<dir> | onnx:cairn/minilm-l6-shape-random]
 *     [--source <dir>] [--limit-files N] [--home <dir>] [--collection bench] [--models-dir <dir>]
 *     [--onnx-dtype q8] [--threads 0] [--skip-reingest] [--database-url postgres://…]
 *
 * Without --home a fresh temporary CAIRN_HOME is used and removed afterwards; with --home the store
 * is kept, so bench/search-latency.ts can reuse it. With --database-url the knowledge base is that
 * PostgreSQL database (an empty one: bench/bench-postgres.ts prints one); run the SQLite baseline
 * beside it in the same session.
 */
import { parseArgs } from 'node:util';
import {
  DOCS_CORPUS, MODELS_DIR, STATIC_EMBEDDER, copySubset, loadAverage, machineFacts, parseIntegerOption,
  peakRssMiB, removeDirectory, report, round, temporaryDirectory, timedIngest, type BenchConfigOptions,
} from './bench-support.js';

const { values } = parseArgs({
  options: {
    embedder: { type: 'string', default: STATIC_EMBEDDER },
    source: { type: 'string', default: DOCS_CORPUS },
    'limit-files': { type: 'string' },
    home: { type: 'string' },
    collection: { type: 'string', default: 'bench' },
    'models-dir': { type: 'string', default: MODELS_DIR },
    'onnx-dtype': { type: 'string', default: 'q8' },
    threads: { type: 'string', default: '0' },
    'skip-reingest': { type: 'boolean', default: false },
    'database-url': { type: 'string' },
  },
});

const facts = machineFacts();
const limit = parseIntegerOption(values['limit-files'], 'limit-files');
const work = temporaryDirectory('cairn-bench-ingest-');
const home = values.home ?? `${work}/home`;
const dtype = values['onnx-dtype'] as BenchConfigOptions['onnxDtype'];
const appOptions: BenchConfigOptions = {
  home,
  embedder: values.embedder,
  modelsDir: values['models-dir'],
  onnxDtype: dtype,
  onnxThreads: parseIntegerOption(values.threads, 'threads') ?? 0,
  ...(values['database-url'] === undefined ? {} : { databaseUrl: values['database-url'] }),
};

try {
  let source = values.source;
  let subsetFiles: number | undefined;
  if (limit !== undefined) {
    const subset = copySubset(values.source, limit, work);
    source = subset.root;
    subsetFiles = subset.files;
  }

  const first = await timedIngest(appOptions, values.collection, source, 'ingest');
  if (first.summary.lexicalOnly && values.embedder !== 'none') {
    throw new Error(`The embedder ${values.embedder} could not be loaded (see the notice above); the run was lexical-only and measures nothing useful.`);
  }
  if (first.summary.filesUnchanged > 0) {
    process.stderr.write(`warning: ${first.summary.filesUnchanged} files were already in collection "${values.collection}" of ${home}; the first run is not a fresh ingest.\n`);
  }
  const rssAfterIngest = peakRssMiB();
  const second = values['skip-reingest'] ? undefined : await timedIngest(appOptions, values.collection, source, 're-ingest');

  const s = first.summary;
  const seconds = s.millis.total / 1000;
  const result = {
    ...facts,
    loadAverageAfter: loadAverage(),
    backend: values['database-url'] === undefined ? 'sqlite' : 'postgres',
    embedder: values.embedder,
    onnxDtype: values.embedder.startsWith('onnx:') ? dtype : undefined,
    onnxThreads: values.embedder.startsWith('onnx:') ? appOptions.onnxThreads : undefined,
    source: values.source,
    limitFiles: limit,
    subsetFiles,
    home: values.home ?? '(temporary)',
    collection: values.collection,
    ingest: {
      filesSeen: s.filesSeen,
      filesNew: s.filesNew,
      filesSkipped: s.filesSkipped,
      chunks: s.chunksWritten,
      chunksEmbedded: s.chunksEmbedded,
      tokensEmbedded: s.tokensEmbedded,
      seconds: round(seconds, 3),
      wallSecondsWithOpenClose: round(first.wallMs / 1000, 3),
      filesPerSecond: round(s.filesSeen / seconds, 1),
      chunksPerSecond: round(s.chunksWritten / seconds, 1),
      tokensPerSecond: round(s.tokensEmbedded / seconds, 1),
      stageMillis: s.millis,
      skippedCodes: countBy(s.skipped.map((entry) => entry.code)),
    },
    reingest: second && {
      seconds: round(second.summary.millis.total / 1000, 3),
      wallSecondsWithOpenClose: round(second.wallMs / 1000, 3),
      filesUnchanged: second.summary.filesUnchanged,
      filesNew: second.summary.filesNew,
      filesUpdated: second.summary.filesUpdated,
      chunksEmbedded: second.summary.chunksEmbedded,
      stageMillis: second.summary.millis,
    },
    peakRssMiBAfterIngest: rssAfterIngest,
    peakRssMiB: peakRssMiB(),
  };
  const r = result.ingest;
  report('ingest-throughput', result, [
    `ingest-throughput  ${facts.at}  ${facts.cpus} x ${facts.cpuModel}  node ${facts.node}  load ${facts.loadAverageBefore.join(' ')} -> ${result.loadAverageAfter.join(' ')}`,
    `backend            ${result.backend}`,
    `embedder           ${values.embedder}${result.onnxDtype ? ` (${result.onnxDtype}, threads ${appOptions.onnxThreads || 'default'})` : ''}`,
    `source             ${values.source}${limit !== undefined ? ` (subset of ${subsetFiles} files)` : ''}`,
    `ingest             ${r.filesSeen} files (${r.filesSkipped} skipped), ${r.chunks} chunks, ${r.tokensEmbedded} tokens embedded in ${r.seconds} s`,
    `throughput         ${r.chunksPerSecond} chunks/s, ${r.tokensPerSecond} tokens/s, ${r.filesPerSecond} files/s   (target with the static model: >= 3,000 chunks/s)`,
    `stages (ms, overlap) ${Object.entries(s.millis).map(([stage, ms]) => `${stage} ${Math.round(ms)}`).join(', ')}`,
    second
      ? `re-ingest          ${result.reingest?.seconds} s (${second.summary.filesUnchanged} unchanged, ${second.summary.filesNew + second.summary.filesUpdated} rewritten; ${result.reingest?.wallSecondsWithOpenClose} s with open/close)   (target for the whole corpus: <= 10 s)`
      : 're-ingest          skipped',
    `peak RSS           ${result.peakRssMiB} MiB (after first ingest ${rssAfterIngest} MiB)   (target: <= 1024 MiB)`,
  ]);
} finally {
  removeDirectory(work);
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const value of values) out[value] = (out[value] ?? 0) + 1;
  return out;
}
