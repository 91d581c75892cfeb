import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { downloadFile } from './download-file.js';
import type { ModelFilesContext } from './model-files-context.js';
import { assertValidModelId, modelLookupDirs } from './model-id.js';

/** ONNX weight file per dtype, in the layout transformers.js expects (`onnx/…`). */
export const ONNX_WEIGHT_FILES = {
  q8: 'onnx/model_quantized.onnx',
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
} as const;

interface FileList {
  required: string[];
  optional: string[];
}

/** model2vec folders hold a safetensors matrix; everything else is treated as a transformers.js ONNX export. */
function filesFor(config: Record<string, unknown>, dtype: keyof typeof ONNX_WEIGHT_FILES): FileList {
  if (config.model_type === 'model2vec') {
    return { required: ['tokenizer.json', 'model.safetensors'], optional: ['modules.json', 'README.md'] };
  }
  return {
    required: ['tokenizer.json', ONNX_WEIGHT_FILES[dtype]],
    optional: ['tokenizer_config.json', 'special_tokens_map.json'],
  };
}

/**
 * Downloads what an ONNX model (weights for `context.onnxDtype`, default q8) or a model2vec model
 * needs into the cache `<home>/models/<id>` and returns that folder. Files already in the cache are
 * kept; `config.json` decides which kind of model it is. Sources: `<hfEndpoint>/<id>/resolve/main/<file>`.
 * Throws MODEL_NOT_FOUND when the hub has no such model or file, UPSTREAM_FAILED when the network fails.
 */
export async function pullModel(modelId: string, context: ModelFilesContext): Promise<string> {
  assertValidModelId(modelId);
  const cacheEntry = modelLookupDirs(modelId, context).find((dir) => dir.where === 'cache');
  if (!cacheEntry) throw new CairnError('INTERNAL', 'The model cache directory is not set.');
  const target = cacheEntry.path;
  const fetchImpl = context.fetch ?? globalThis.fetch;
  const base = `${context.hfEndpoint.replace(/\/+$/, '')}/${modelId}/resolve/main/`;
  const fetchOne = async (file: string, required: boolean): Promise<void> => {
    const destination = join(target, ...file.split('/'));
    if (existsSync(destination)) return;
    const outcome = await downloadFile({
      url: base + file,
      destination,
      modelId,
      file,
      fetch: fetchImpl,
      stallTimeoutMs: context.stallTimeoutMs ?? 30_000,
      onProgress: context.onDownloadProgress,
      signal: context.signal,
    });
    if (outcome === 'missing' && required) {
      throw new CairnError('MODEL_NOT_FOUND', `${context.hfEndpoint} has no file ${file} for model ${modelId}.`, {
        hint:
          file === 'config.json'
            ? 'Check the model id (e.g. `Xenova/all-MiniLM-L6-v2`) and HF_ENDPOINT.'
            : 'Pick a model exported for transformers.js (with an `onnx/` folder), or another `models.onnxDtype` in cairn.config.json.',
        details: { modelId, file },
      });
    }
  };
  await fetchOne('config.json', true);
  const config = JSON.parse(await readFile(join(target, 'config.json'), 'utf8')) as Record<string, unknown>;
  const { required, optional } = filesFor(config, context.onnxDtype ?? 'q8');
  for (const file of required) await fetchOne(file, true);
  for (const file of optional) await fetchOne(file, false);
  return target;
}
