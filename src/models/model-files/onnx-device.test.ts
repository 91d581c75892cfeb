import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHARED_MISSING, sharedPath } from '../../testing/shared-data.js';
import { createOnnxEmbedder } from '../embed/onnx-embedder.js';
import { cudaProviderMissing, loadOnDevice } from './onnx-device.js';

const tinyBert = sharedPath('models', 'cairn', 'tiny-random-bert');
// This machine (and CI) has onnxruntime-node without its CUDA provider: the fallback is what runs for real.
const noCuda = cudaProviderMissing();

test('embed.device cuda without a CUDA provider: the embedder loads on the CPU, embeds, and says why once', { skip: !tinyBert ? SHARED_MISSING : noCuda === undefined ? 'this machine has the CUDA provider' : false }, async () => {
  const notices: string[] = [];
  const embedder = await createOnnxEmbedder({ id: 'onnx:cairn/tiny-random-bert', modelDir: tinyBert as string, dtype: 'fp32', threads: 1, device: 'cuda', onNotice: (text) => notices.push(text) });
  try {
    assert.equal(embedder.device, 'cpu');
    const { vectors } = await embedder.embed({ texts: ['hello world'] });
    assert.equal(vectors[0]?.length, embedder.dimensions);
    assert.equal(notices.length, 1);
    assert.match(notices[0] as string, /^Embedder onnx:cairn\/tiny-random-bert runs on the CPU: embed\.device is cuda but this onnxruntime-node install has no CUDA provider library/);
    assert.match(notices[0] as string, /CAIRN_EMBED_DEVICE=cpu/);
  } finally {
    await embedder.close?.();
  }
});

test('auto falls back silently; cpu never tries CUDA', async () => {
  const notices: string[] = [];
  const tried: ('cpu' | 'cuda')[] = [];
  const load = async (device: 'cpu' | 'cuda') => {
    tried.push(device);
    if (device === 'cuda') throw new Error('CUDA failure: no CUDA-capable device is detected\nmore');
    return 'model';
  };
  assert.deepEqual(await loadOnDevice('auto', 'Embedder x', load, (t) => notices.push(t)), { value: 'model', device: 'cpu' });
  assert.equal(notices.length, 0);
  tried.length = 0;
  await loadOnDevice('cpu', 'Embedder x', load, (t) => notices.push(t));
  assert.deepEqual(tried, ['cpu']);
});

test('a CUDA session that fails to start falls back with its first error line in the notice', { skip: noCuda !== undefined ? 'the provider-missing path runs here instead (first test)' : false }, async () => {
  const notices: string[] = [];
  const result = await loadOnDevice('cuda', 'Reranker y', async (device) => {
    if (device === 'cuda') throw new Error('CUDA failure: no CUDA-capable device is detected\nmore');
    return 1;
  }, (t) => notices.push(t));
  assert.equal(result.device, 'cpu');
  assert.match(notices[0] as string, /failed to start \(CUDA failure: no CUDA-capable device is detected\)/);
});
