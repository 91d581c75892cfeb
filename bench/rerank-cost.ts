/**
 * Cost of the local cross-encoder per candidate, with a model of ms-marco-MiniLM-L-6-v2's size.
 *
 *   node --import tsx bench/rerank-cost.ts [--candidates 50] [--pair-tokens 256] [--rounds 5]
 *     [--batches 1,8,16,32] [--threads 0] [--models-dir /work/shared/models]
 *
 * Model: `cairn/minilm-l6-shape-random` (q8; exactly MiniLM-L6's encoder: 6 layers, hidden 384,
 * random weights, so the ranking is meaningless but the compute is the real model's) copied into a
 * temporary models folder with a classification head grafted onto its ONNX graph: the [CLS] hidden
 * state → MatMul [384, 1] → + bias → `logits`, as in BertForSequenceClassification with one label
 * (the pooler of the real cross-encoder, one more 384×384 MatMul on one token, is left out; both are
 * negligible beside the encoder's 6 layers over every token). The config names
 * BertForSequenceClassification, so the model loads through `createReranker('onnx:…')` exactly as
 * the real one would.
 *
 * Work: one query and `--candidates` passages cut from the docs corpus so that each (query, passage)
 * pair is `--pair-tokens` tokens with [CLS]/[SEP]; each batch size reranks them with
 * `rerankCandidates` (the path an answer takes) after one warm-up call. Reported: median and best
 * wall ms per call and per candidate, and CPU ms per candidate. The machine is shared: the load
 * average before and after is recorded.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ScoredChunk } from '../src/core/search-types.js';
import { createReranker } from '../src/models/rerank/create-reranker.js';
import type { Reranker } from '../src/models/rerank/reranker.js';
import { loadTokenizer } from '../src/models/tokenize/load-tokenizer.js';
import { rerankCandidates } from '../src/retrieve/rerank/rerank-candidates.js';
import { appendToOnnxGraph, ONNX_FLOAT, onnxNode, onnxTensor, onnxValueInfo } from '../src/testing/encode-onnx-model.js';
import { DOCS_CORPUS, MODELS_DIR, listFiles, loadAverage, machineFacts, parseIntegerOption, peakRssMiB, removeDirectory, report, round, temporaryDirectory } from './bench-support.js';
import { seededRandom } from '../src/core/seeded-random.js';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '50' },
    'pair-tokens': { type: 'string', default: '256' },
    rounds: { type: 'string', default: '5' },
    batches: { type: 'string', default: '1,8,16,32' },
    threads: { type: 'string', default: '0' },
    'models-dir': { type: 'string', default: MODELS_DIR },
  },
});

const facts = machineFacts();
const candidateCount = parseIntegerOption(values.candidates, 'candidates') ?? 50;
const pairTokens = parseIntegerOption(values['pair-tokens'], 'pair-tokens') ?? 256;
const rounds = Math.max(1, parseIntegerOption(values.rounds, 'rounds') ?? 5);
const threads = parseIntegerOption(values.threads, 'threads') ?? 0;
const batchSizes = values.batches.split(',').map((value) => parseIntegerOption(value.trim(), 'batches') ?? 1);
const sourceDir = join(values['models-dir'], 'cairn', 'minilm-l6-shape-random');
const MODEL_ID = 'cairn/minilm-l6-shape-cross-encoder';
const QUERY = 'How do I configure TLS certificates for the ingress controller?';
const HIDDEN = 384;

const work = temporaryDirectory('cairn-bench-rerank-');
try {
  const modelDir = graftHead(join(work, 'models', ...MODEL_ID.split('/')));
  const { passages, meanPairTokens } = await corpusPassages(modelDir);
  const candidates = passages.map((text, i) => candidate(i + 1, text));
  const rows: Record<string, unknown>[] = [];
  for (const batchSize of batchSizes) {
    const reranker = (await createReranker(`onnx:${MODEL_ID}`, {
      home: join(work, 'home'),
      modelsDir: join(work, 'models'),
      hfEndpoint: 'http://127.0.0.1:9',
      allowDownload: false,
      onnxDtype: 'q8',
      onnxThreads: threads,
      batchSize,
    })) as Reranker;
    await rerankCandidates(reranker, QUERY, candidates, { maxCandidates: candidateCount, batchSize });
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const cpuBefore = process.cpuUsage();
      const { millis } = await rerankCandidates(reranker, QUERY, candidates, { maxCandidates: candidateCount, batchSize });
      const cpuUsed = process.cpuUsage(cpuBefore);
      wall.push(millis);
      cpu.push((cpuUsed.user + cpuUsed.system) / 1000);
    }
    await reranker.close?.();
    const median = medianOf(wall);
    rows.push({
      batchSize,
      candidates: candidates.length,
      medianMsPerCall: round(median, 1),
      bestMsPerCall: round(Math.min(...wall), 1),
      medianMsPerCandidate: round(median / candidates.length, 2),
      cpuMsPerCandidate: round(medianOf(cpu) / candidates.length, 2),
      loadAverage: loadAverage(),
    });
  }
  const result = { facts, model: MODEL_ID, dtype: 'q8', threads, pairTokens, meanPairTokens, rounds, rows, loadAverageAfter: loadAverage(), peakRssMiB: peakRssMiB() };
  report('rerank-cost', result, [
    `rerank cost, MiniLM-L6-shaped cross-encoder (q8, threads ${threads || 'default'}), ${candidates.length} candidates of ${meanPairTokens} pair tokens (mean), median of ${rounds}`,
    ...rows.map((row) => `  batch ${String(row.batchSize).padStart(2)}: ${row.medianMsPerCall} ms per call, ${row.medianMsPerCandidate} ms/candidate (best ${row.bestMsPerCall} ms, cpu ${row.cpuMsPerCandidate} ms/candidate), load ${(row.loadAverage as number[]).join(' ')}`),
    `  load average before ${facts.loadAverageBefore.join(' ')}, after ${result.loadAverageAfter.join(' ')}; ${facts.cpus} cpus (${facts.cpuModel})`,
  ]);
} finally {
  removeDirectory(work);
}

/** Copies the MiniLM-shaped encoder into `dir` with a one-logit head on [CLS]; returns `dir`. */
function graftHead(dir: string): string {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) copyFileSync(join(sourceDir, file), join(dir, file));
  const config = JSON.parse(readFileSync(join(sourceDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  Object.assign(config, { architectures: ['BertForSequenceClassification'], num_labels: 1, id2label: { '0': 'LABEL_0' }, label2id: { LABEL_0: 0 } });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const random = seededRandom(20261121);
  const weight = new Float32Array(HIDDEN).map(() => (random() - 0.5) * 0.04);
  const encoder = readFileSync(join(sourceDir, 'onnx', 'model_quantized.onnx'));
  const grafted = appendToOnnxGraph(encoder, {
    nodes: [
      onnxNode('Gather', ['last_hidden_state', 'cairn_head_cls_index'], ['cairn_head_cls'], [{ name: 'axis', int: 1 }]),
      onnxNode('MatMul', ['cairn_head_cls', 'cairn_head_weight'], ['cairn_head_out']),
      onnxNode('Add', ['cairn_head_out', 'cairn_head_bias'], ['logits']),
    ],
    initializers: [
      onnxTensor('cairn_head_cls_index', [], BigInt64Array.of(0n)),
      onnxTensor('cairn_head_weight', [HIDDEN, 1], weight),
      onnxTensor('cairn_head_bias', [1], Float32Array.of(0)),
    ],
    inputs: [],
    outputs: [onnxValueInfo('logits', ONNX_FLOAT, ['batch_size', 1])],
  });
  writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), grafted);
  return dir;
}

/** `candidateCount` passages of markdown prose from the corpus, each cut so the pair has `pairTokens` tokens. */
async function corpusPassages(modelDir: string): Promise<{ passages: string[]; meanPairTokens: number }> {
  const tokenizer = await loadTokenizer(modelDir);
  const budget = pairTokens - 3 - tokenizer.count(QUERY);
  const files = listFiles(DOCS_CORPUS).filter((file) => file.endsWith('.md'));
  // A seeded shuffle, so the passages mix the corpus projects and are the same every run.
  const random = seededRandom(7);
  for (let i = files.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [files[i], files[j]] = [files[j] as string, files[i] as string];
  }
  const passages: string[] = [];
  for (const file of files) {
    if (passages.length >= candidateCount) break;
    const words = readFileSync(join(DOCS_CORPUS, file), 'utf8').split(/\s+/).filter(Boolean);
    let passage = '';
    for (const word of words) {
      const next = passage ? `${passage} ${word}` : word;
      if (tokenizer.count(next) > budget) break;
      passage = next;
    }
    if (tokenizer.count(passage) >= budget - 8) passages.push(passage);
  }
  if (passages.length < candidateCount) throw new Error(`Only ${passages.length} corpus passages of ${budget} tokens were found.`);
  const pairTokenSum = passages.reduce((sum, passage) => sum + tokenizer.count(QUERY) + tokenizer.count(passage) + 3, 0);
  return { passages, meanPairTokens: round(pairTokenSum / passages.length, 1) };
}

function candidate(chunkId: number, text: string): ScoredChunk {
  return { chunkId, documentId: chunkId, collection: 'bench', sourceUri: `bench://${chunkId}`, relativePath: `${chunkId}.md`, title: '', format: 'markdown', text, headingPath: [], score: 1 / chunkId, scores: {}, snippet: '', highlights: [] };
}

function medianOf(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
