/**
 * Throughput of the onnx: embedder against a bare onnxruntime-node InferenceSession on the same
 * 256-token passages, in one process, interleaved (A, B, A, B) so machine load hits both alike.
 * Not a test. Run: node --import tsx src/models/embed/onnx-embedder.bench.ts [passages] [rounds] [threads]
 * Needs ../shared/models/cairn/minilm-l6-shape-random (q8).
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sharedPath } from '../../testing/shared-data.js';
import { loadTokenizer } from '../tokenize/load-tokenizer.js';
import { createOnnxEmbedder } from './onnx-embedder.js';

const passages = Number(process.argv[2] ?? 64);
const rounds = Number(process.argv[3] ?? 3);
const threads = Number(process.argv[4] ?? 0);
const batchSize = 16;
const modelDir = sharedPath('models', 'cairn', 'minilm-l6-shape-random');
if (!modelDir) throw new Error('../shared/models/cairn/minilm-l6-shape-random is missing');

const tokenizer = await loadTokenizer(modelDir);
const words = 'the store keeps every write of one document in a single transaction so that a crash never leaves half of it behind while search reads snapshots'.split(' ');
const texts: string[] = [];
for (let i = 0; i < passages; i++) {
  const parts: string[] = [];
  for (let w = 0; tokenizer.count(parts.join(' ')) < 254; w++) parts.push(words[(w * 7 + i) % words.length] as string);
  texts.push(parts.join(' '));
}
// Bare session inputs: [CLS] ids [SEP], cut to 256 tokens, prepared once outside the timing.
const idLists = texts.map((text) => [101, ...tokenizer.encode(text).slice(0, 254), 102]);
const sessionOptions: ort.InferenceSession.SessionOptions = threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {};
const session = await ort.InferenceSession.create(join(modelDir, 'onnx', 'model_quantized.onnx'), sessionOptions);
const embedder = await createOnnxEmbedder({ id: 'onnx:bench', modelDir, dtype: 'q8', threads, subBatchSize: batchSize });

async function bare(): Promise<number> {
  let tokens = 0;
  for (let start = 0; start < idLists.length; start += batchSize) {
    const batch = idLists.slice(start, start + batchSize);
    const length = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(batch.length * length);
    const mask = new BigInt64Array(batch.length * length);
    batch.forEach((row, r) => row.forEach((id, j) => {
      ids[r * length + j] = BigInt(id);
      mask[r * length + j] = 1n;
    }));
    const dims = [batch.length, length];
    await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(batch.length * length), dims),
    });
    tokens += batch.reduce((sum, row) => sum + row.length, 0);
  }
  return tokens;
}

async function ours(): Promise<number> {
  let tokens = 0;
  for (let start = 0; start < texts.length; start += 64) tokens += (await embedder.embed({ texts: texts.slice(start, start + 64) })).tokens ?? 0;
  return tokens;
}

await bare();
await ours();
const rates = { bare: [] as number[], embedder: [] as number[] };
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of [['bare', bare], ['embedder', ours]] as const) {
    const started = performance.now();
    const tokens = await run();
    const seconds = (performance.now() - started) / 1000;
    rates[name].push(passages / seconds);
    console.log(`${name.padEnd(8)} round ${round + 1}: ${(passages / seconds).toFixed(1)} passages/s, ${(tokens / seconds).toFixed(0)} tokens/s`);
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const bareRate = median(rates.bare);
const ourRate = median(rates.embedder);
console.log(`median: bare ${bareRate.toFixed(1)} passages/s, embedder ${ourRate.toFixed(1)} passages/s, ratio ${(ourRate / bareRate).toFixed(3)} (threads ${threads || 'default'})`);
await embedder.close?.();
await session.release();
