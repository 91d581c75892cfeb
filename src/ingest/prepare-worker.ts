import { parentPort, workerData } from 'node:worker_threads';
import { toCairnError } from '../core/cairn-error.js';
import type { Embedder } from '../models/embed/embedder.js';
import { embeddingInput } from './chunk/chunk-document.js';
import { prepareDocument, type PreparedDocument, type PrepareOptions, type StageTimes } from './prepare-document.js';
import type { PrepareJob, PrepareReply, PrepareWorkerData, WireError } from './prepare-protocol.js';
import { rebuildFromRecipe } from './worker-recipe.js';

/**
 * Worker entry of the prepare pool: read, hash, parse, chunk and (static model) embed one document
 * per job. Parsed blocks are dropped before the reply: the writer needs only title, format, language
 * and metadata, and cloning blocks back would double the main thread's copying.
 */
const port = parentPort;
if (port === null) throw new Error('prepare-worker must run as a worker thread.');
const data = workerData as PrepareWorkerData;

const wire = (error: unknown): WireError => {
  const failure = toCairnError(error, 'PARSE_FAILED');
  return failure.hint === undefined ? { code: failure.code, message: failure.message } : { code: failure.code, message: failure.message, hint: failure.hint };
};

async function embedAll(embedder: Embedder, prepared: Extract<PreparedDocument, { kind: 'ready' }>): Promise<ArrayBuffer | undefined> {
  if (prepared.chunks.length === 0) return undefined;
  const result = await embedder.embed({ texts: prepared.chunks.map((chunk) => embeddingInput(prepared.parsed.title, chunk)) });
  // One buffer per document, transferred rather than copied; the main thread takes per-chunk views.
  const packed = new Float32Array(prepared.chunks.length * embedder.dimensions);
  result.vectors.forEach((vector, i) => packed.set(vector, i * embedder.dimensions));
  prepared.tokens = result.tokens ?? 0;
  return packed.buffer;
}

try {
  const { tokenizer, embedder } = await rebuildFromRecipe(data.recipe);
  const options: PrepareOptions = { tokenizer, chunkSize: data.chunkSize, chunkOverlap: data.chunkOverlap, maxTokens: data.maxTokens, force: data.force, readSync: true, parseLimits: data.parseLimits };
  // One job at a time, in arrival order: stage times stay per-document wall times, and the queue
  // the main thread keeps per worker is the only buffer.
  let chain: Promise<void> = Promise.resolve();
  const run = (job: PrepareJob): Promise<void> => {
    const times: StageTimes = { read: 0, parse: 0, chunk: 0 };
    return prepareDocument(job.item, job.state, options, times)
      .then(async (prepared) => {
        let buffer: ArrayBuffer | undefined;
        if (prepared.kind === 'ready') {
          prepared.parsed = { ...prepared.parsed, blocks: [] };
          if (embedder !== null) buffer = await embedAll(embedder, prepared);
        }
        const reply: PrepareReply = { type: 'result', id: job.id, ok: true, prepared, times, packed: buffer };
        port.postMessage(reply, buffer ? [buffer] : []);
      })
      .catch((error: unknown) => {
        const reply: PrepareReply = { type: 'result', id: job.id, ok: false, error: wire(error), times };
        port.postMessage(reply);
      });
  };
  port.on('message', (job: PrepareJob) => {
    chain = chain.then(() => run(job));
  });
  port.postMessage({ type: 'ready' } satisfies PrepareReply);
} catch (error) {
  port.postMessage({ type: 'init-failed', error: wire(error) } satisfies PrepareReply);
}
