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
const modelFile = join(modelDir, 'onnx', 'model_quantized.onnx');
const session = await ort.InferenceSession.create(modelFile, sessionOptions);
// The same session without spin-waiting threads (the embedder's setting), to separate the setting from the wrapper's cost.
const quietSession = await ort.InferenceSession.create(modelFile, {
  ...sessionOptions,
  extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
});
const embedder = await createOnnxEmbedder({ id: 'onnx:bench', modelDir, dtype: 'q8', threads, subBatchSize: batchSize });

async function bare(target: ort.InferenceSession = session): Promise<number> {
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
    await target.run({
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
// Wall-clock rate, and CPU seconds per passage (user + system of the whole process, onnxruntime's
// threads included): the CPU figure is steadier when other jobs share the machine.
const rates = { bare: [] as number[], 'bare-nospin': [] as number[], embedder: [] as number[] };
const cpu = { bare: [] as number[], 'bare-nospin': [] as number[], embedder: [] as number[] };
for (let round = 0; round < rounds; round++) {
  const contenders = [['bare', () => bare()], ['bare-nospin', () => bare(quietSession)], ['embedder', ours]] as const;
  for (const [name, run] of contenders) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const tokens = await run();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpuStarted);
    const cpuMsPerPassage = (used.user + used.system) / 1000 / passages;
    rates[name].push(passages / seconds);
    cpu[name].push(cpuMsPerPassage);
    console.log(
      `${name.padEnd(11)} round ${round + 1}: ${(passages / seconds).toFixed(1)} passages/s, ${(tokens / seconds).toFixed(0)} tokens/s, ${cpuMsPerPassage.toFixed(1)} CPU ms/passage`,
    );
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const bareRate = median(rates.bare);
const ourRate = median(rates.embedder);
console.log(
  `median: bare ${bareRate.toFixed(1)} passages/s, embedder ${ourRate.toFixed(1)} passages/s, wall ratio ${(ourRate / bareRate).toFixed(3)}; ` +
    `bare-nospin ${median(rates['bare-nospin']).toFixed(1)} passages/s; ` +
    `CPU ms/passage bare ${median(cpu.bare).toFixed(1)}, bare-nospin ${median(cpu['bare-nospin']).toFixed(1)}, embedder ${median(cpu.embedder).toFixed(1)}, CPU ratio ${(median(cpu.bare) / median(cpu.embedder)).toFixed(3)} (threads ${threads || 'default'})`,
);
await embedder.close?.();
await session.release();
await quietSession.release();
