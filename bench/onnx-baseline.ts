/**
 * Ingest with the MiniLM-shaped model against the bare ONNX session, on the same machine, in the
 * same run, over the same texts. Target: Cairn's ingest reaches >= 85% of the bare session's tokens/s.
 *
 *   node --import tsx bench/onnx-baseline.ts [--limit-files 150] [--source <dir>] [--threads 0]
 *     [--rounds 2] [--models-dir /work/shared/models]
 *
 * Cairn side: `ingest()` of a subset of the docs corpus with `onnx:cairn/minilm-l6-shape-random`
 * (q8), whole pipeline (walk, parse, chunk, tokenize, embed, write, index), tokens counted by the
 * embedder ([CLS]/[SEP] included). Bare side: an onnxruntime-node InferenceSession on the same
 * `model_quantized.onnx` with the same thread settings as Cairn's embedder (intra-op threads, no
 * spinning), fed the embedding inputs of exactly the chunks Cairn stored (title, heading path and
 * text, read back from the store), tokenized before timing into int64 tensors and batched as the
 * embedder batches (calls of 64 texts, each sorted by length and cut into runs of at most the
 * embedder's default texts and padded tokens per run); only `session.run` is timed. With --rounds 2
 * the order is Cairn, bare, bare, Cairn, so a load change on the shared machine hits both sides alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import type { CairnApp } from '../src/app/cairn-app.js';
import { embeddingInput } from '../src/ingest/chunk/chunk-document.js';
import { DEFAULT_SUB_BATCH_TEXTS, DEFAULT_SUB_BATCH_TOKENS } from '../src/models/embed/onnx-embedder.js';
import { loadTokenizer } from '../src/models/tokenize/load-tokenizer.js';
import {
  DOCS_CORPUS, MINILM_SHAPED_EMBEDDER, MODELS_DIR, copySubset, loadAverage, machineFacts, openBenchApp, parseIntegerOption,
  peakRssMiB, removeDirectory, report, round, temporaryDirectory, timedIngest, type BenchConfigOptions,
} from './bench-support.js';

const { values } = parseArgs({
  options: {
    'limit-files': { type: 'string', default: '150' },
    source: { type: 'string', default: DOCS_CORPUS },
    threads: { type: 'string', default: '0' },
    rounds: { type: 'string', default: '2' },
    'models-dir': { type: 'string', default: MODELS_DIR },
  },
});

/** Texts per embedder call in ingest (config ingest.embedBatchSize and the embedder's maxBatchSize). */
const CALL_TEXTS = 64;
/** The onnx: embedder's sub-batch limits (its defaults, so both sides batch alike). */
const RUN_TEXTS = DEFAULT_SUB_BATCH_TEXTS;
const RUN_PADDED_TOKENS = DEFAULT_SUB_BATCH_TOKENS;

const facts = machineFacts();
const limit = parseIntegerOption(values['limit-files'], 'limit-files') ?? 150;
const threads = parseIntegerOption(values.threads, 'threads') ?? 0;
const rounds = Math.max(1, Math.min(2, parseIntegerOption(values.rounds, 'rounds') ?? 2));
const modelDir = join(values['models-dir'], 'cairn', 'minilm-l6-shape-random');
const special = specialTokens();
const work = temporaryDirectory('cairn-bench-onnx-');
const appOptions: BenchConfigOptions = {
  home: join(work, 'home'),
  embedder: MINILM_SHAPED_EMBEDDER,
  modelsDir: values['models-dir'],
  onnxDtype: 'q8',
  onnxThreads: threads,
};

interface Side {
  tokens: number;
  seconds: number;
  cpuSeconds: number;
}

try {
  const subset = copySubset(values.source, limit, work);
  const cairn: Side[] = [];
  const bare: Side[] = [];
  let chunks = 0;
  let stageMillis: Record<string, number> = {};

  const runCairn = async (round: number) => {
    const { summary, cpuMs } = await timedIngest(appOptions, `onnx-${round}`, subset.root, `cairn ingest ${round}`);
    if (summary.lexicalOnly) throw new Error(`${MINILM_SHAPED_EMBEDDER} could not be loaded from ${values['models-dir']} (see the notice above).`);
    chunks = summary.chunksEmbedded;
    stageMillis = summary.millis;
    cairn.push({ tokens: summary.tokensEmbedded, seconds: summary.millis.total / 1000, cpuSeconds: cpuMs / 1000 });
    process.stderr.write(`cairn ingest ${round}: ${summary.chunksEmbedded} chunks, ${summary.tokensEmbedded} tokens in ${(summary.millis.total / 1000).toFixed(1)} s\n`);
  };

  await runCairn(1);
  const texts = await storedEmbeddingInputs('onnx-1');
  const batches = await tokenizedBatches(texts);
  const session = await ort.InferenceSession.create(join(modelDir, 'onnx', 'model_quantized.onnx'), {
    ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const first = batches[0];
  if (first) await session.run(feeds(session, first.slice(0, 1)));
  const runBare = async (round: number) => {
    const side = await runSession(session, batches);
    bare.push(side);
    process.stderr.write(`bare session ${round}: ${side.tokens} tokens in ${side.seconds.toFixed(1)} s\n`);
  };
  await runBare(1);
  if (rounds === 2) {
    await runBare(2);
    await runCairn(2);
  }
  await session.release();

  const rate = (sides: Side[]) => sides.reduce((sum, side) => sum + side.tokens, 0) / sides.reduce((sum, side) => sum + side.seconds, 0);
  const cpuPerKiloToken = (sides: Side[]) => (1000 * sides.reduce((sum, side) => sum + side.cpuSeconds, 0)) / (sides.reduce((sum, side) => sum + side.tokens, 0) / 1000);
  const cairnRate = rate(cairn);
  const bareRate = rate(bare);
  const ratio = cairnRate / bareRate;
  const result = {
    ...facts,
    loadAverageAfter: loadAverage(),
    model: modelDir,
    onnxDtype: 'q8',
    onnxThreads: threads,
    limitFiles: limit,
    subsetFiles: subset.files,
    chunks,
    rounds,
    cairn: cairn.map((side) => ({ tokens: side.tokens, seconds: round(side.seconds, 3), tokensPerSecond: round(side.tokens / side.seconds, 1) })),
    bare: bare.map((side) => ({ tokens: side.tokens, seconds: round(side.seconds, 3), tokensPerSecond: round(side.tokens / side.seconds, 1) })),
    cairnStageMillis: stageMillis,
    cairnTokensPerSecond: round(cairnRate, 1),
    bareTokensPerSecond: round(bareRate, 1),
    ratio: round(ratio, 3),
    target: 0.85,
    meetsTarget: ratio >= 0.85,
    cairnCpuMsPerKiloToken: round(cpuPerKiloToken(cairn), 1),
    bareCpuMsPerKiloToken: round(cpuPerKiloToken(bare), 1),
    peakRssMiB: peakRssMiB(),
  };
  report('onnx-baseline', result, [
    `onnx-baseline  ${facts.at}  ${facts.cpus} x ${facts.cpuModel}  node ${facts.node}  load ${facts.loadAverageBefore.join(' ')} -> ${result.loadAverageAfter.join(' ')}`,
    `model          ${MINILM_SHAPED_EMBEDDER} q8, intra-op threads ${threads || 'onnxruntime default'}, no spinning`,
    `texts          ${chunks} chunks of ${subset.files} docs-corpus files (${bare[0]?.tokens ?? 0} tokens incl. [CLS]/[SEP])`,
    `cairn ingest   ${result.cairnTokensPerSecond} tokens/s (${result.cairn.map((side) => side.tokensPerSecond).join(', ')}), ${result.cairnCpuMsPerKiloToken} CPU ms per 1k tokens (whole pipeline)`,
    `bare session   ${result.bareTokensPerSecond} tokens/s (${result.bare.map((side) => side.tokensPerSecond).join(', ')}), ${result.bareCpuMsPerKiloToken} CPU ms per 1k tokens (session.run only)`,
    `ratio          ${(ratio * 100).toFixed(1)}% of the bare session   (target: >= 85%) ${result.meetsTarget ? 'MET' : 'NOT MET'}`,
    `peak RSS       ${result.peakRssMiB} MiB`,
  ]);
} finally {
  removeDirectory(work);
}

/** The embedding input of every chunk of a collection, in document-id then ordinal order (ingest order). */
async function storedEmbeddingInputs(collection: string): Promise<string[]> {
  const app: CairnApp = await openBenchApp(appOptions);
  try {
    const documents = [];
    for (let offset = 0; ; offset += 500) {
      const page = await app.chunks.listDocuments({ collection, limit: 500, offset, sort: 'path' });
      documents.push(...page.items);
      if (page.items.length < 500) break;
    }
    documents.sort((a, b) => a.id - b.id);
    const texts: string[] = [];
    for (const document of documents) {
      const stored = await app.chunks.getDocumentChunks(document.id);
      stored.sort((a, b) => a.ordinal - b.ordinal);
      for (const chunk of stored) texts.push(embeddingInput(document.title, chunk));
    }
    return texts;
  } finally {
    await app.close();
  }
}

/** The special tokens BERT's post-processor wraps one text in, from tokenizer.json ([CLS] … [SEP] for MiniLM). */
function specialTokens(): { prefix: number[]; suffix: number[]; pad: number; maxTokens: number } {
  const json = JSON.parse(readFileSync(join(modelDir, 'tokenizer.json'), 'utf8')) as {
    post_processor?: { single?: Array<{ SpecialToken?: { id: string }; Sequence?: unknown }>; special_tokens?: Record<string, { ids: number[] }> };
  };
  const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { max_position_embeddings?: number; pad_token_id?: number };
  const single = json.post_processor?.single ?? [];
  const ids = (item: { SpecialToken?: { id: string } }) => json.post_processor?.special_tokens?.[item.SpecialToken?.id ?? '']?.ids ?? [];
  const at = single.findIndex((item) => item.Sequence !== undefined);
  const prefix = at < 0 ? [101] : single.slice(0, at).flatMap(ids);
  const suffix = at < 0 ? [102] : single.slice(at + 1).flatMap(ids);
  return { prefix, suffix, pad: config.pad_token_id ?? 0, maxTokens: (config.max_position_embeddings ?? 512) - prefix.length - suffix.length };
}

/** Id lists (special tokens included) grouped into model runs exactly as the embedder groups them. */
async function tokenizedBatches(texts: string[]): Promise<number[][][]> {
  const tokenizer = await loadTokenizer(modelDir);
  const { prefix, suffix, maxTokens } = special;
  const runs: number[][][] = [];
  for (let call = 0; call < texts.length; call += CALL_TEXTS) {
    const inputs = texts.slice(call, call + CALL_TEXTS).map((text) => [...prefix, ...tokenizer.encode(text).slice(0, maxTokens), ...suffix]);
    inputs.sort((a, b) => a.length - b.length);
    for (let start = 0; start < inputs.length; ) {
      let end = start + 1;
      while (end < inputs.length && end - start < RUN_TEXTS && (inputs[end] as number[]).length * (end - start + 1) <= RUN_PADDED_TOKENS) end++;
      runs.push(inputs.slice(start, end));
      start = end;
    }
  }
  return runs;
}

function feeds(session: ort.InferenceSession, batch: number[][]): Record<string, ort.Tensor> {
  const { pad } = special;
  const longest = Math.max(...batch.map((ids) => ids.length));
  const inputIds = new BigInt64Array(batch.length * longest).fill(BigInt(pad));
  const mask = new BigInt64Array(batch.length * longest);
  batch.forEach((ids, row) => {
    for (let j = 0; j < ids.length; j++) {
      inputIds[row * longest + j] = BigInt(ids[j] as number);
      mask[row * longest + j] = 1n;
    }
  });
  const dims = [batch.length, longest];
  const out: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', inputIds, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
  };
  if (session.inputNames.includes('token_type_ids')) out.token_type_ids = new ort.Tensor('int64', new BigInt64Array(batch.length * longest), dims);
  return out;
}

/** Runs every batch; tensors are built before each run's clock starts, so only `session.run` is timed. */
async function runSession(session: ort.InferenceSession, batches: number[][][]): Promise<Side> {
  let tokens = 0;
  let millis = 0;
  let cpuMicros = 0;
  for (const batch of batches) {
    const input = feeds(session, batch);
    const cpuStarted = process.cpuUsage();
    const started = performance.now();
    await session.run(input);
    millis += performance.now() - started;
    const cpu = process.cpuUsage(cpuStarted);
    cpuMicros += cpu.user + cpu.system;
    tokens += batch.reduce((sum, ids) => sum + ids.length, 0);
  }
  return { tokens, seconds: millis / 1000, cpuSeconds: cpuMicros / 1e6 };
}
