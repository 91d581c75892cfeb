import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CairnError, isCairnError } from '../../core/cairn-error.js';
import type { DownloadProgress } from '../model-files/download-progress.js';
import { isValidModelId, modelCacheDir, modelLookupDirs } from '../model-files/model-id.js';
import { ONNX_WEIGHT_FILES, pullModel } from '../model-files/pull-model.js';
import { resolveLocalModel } from '../model-files/resolve-local-model.js';
import type { Embedder } from './embedder.js';
import { createNoneEmbedder } from './none-embedder.js';
import { createOnnxEmbedder } from './onnx-embedder.js';
import { createOpenAiEmbedder } from './openai-embedder.js';
import { embedderSpecId, parseEmbedderSpec } from './parse-embedder-spec.js';
import { createStaticEmbedder } from './static-embedder.js';

/** What building an embedder needs from the configuration (filled by the composition root). */
export interface EmbedderContext {
  /** CAIRN_HOME; downloads are cached under `<home>/models`. */
  home: string;
  /** CAIRN_MODELS_DIR; searched before the cache. */
  modelsDir?: string;
  /** HF_ENDPOINT. */
  hfEndpoint: string;
  allowDownload: boolean;
  onnxDtype: 'q8' | 'fp32' | 'fp16';
  /** onnxruntime intra-op threads; 0 = onnxruntime's default. */
  onnxThreads: number;
  openaiApiKey?: string;
  onDownloadProgress?: (event: DownloadProgress) => void;
  fetch?: typeof fetch;
}

const STATIC_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'];

/**
 * Builds the embedder named by `spec` (`onnx:<id>`, `static:<id-or-path>`, `openai:<url>#<model>`, `none`).
 * Models are looked up in `modelsDir`, then the cache, then downloaded when allowed. Throws
 * INPUT_INVALID for a malformed spec, MODEL_NOT_FOUND when the named model or folder does not exist,
 * EMBEDDER_UNAVAILABLE when it exists but cannot be had now (offline, downloads off, server down).
 * `none` never fails. The caller decides whether to fall back to lexical-only.
 */
export async function createEmbedder(spec: string, context: EmbedderContext): Promise<Embedder> {
  const parsed = parseEmbedderSpec(spec);
  const id = embedderSpecId(parsed);
  switch (parsed.kind) {
    case 'none':
      return createNoneEmbedder();
    case 'onnx': {
      const required = ['config.json', 'tokenizer.json', ONNX_WEIGHT_FILES[context.onnxDtype]];
      const modelDir = await ensureLocalModel(id, parsed.modelId, required, context);
      await configureTransformers(context);
      return createOnnxEmbedder({ id, modelDir, dtype: context.onnxDtype, threads: context.onnxThreads });
    }
    case 'static': {
      const asPath = resolve(parsed.ref);
      if (existsSync(asPath) && statSync(asPath).isDirectory()) {
        const missing = STATIC_FILES.filter((file) => !existsSync(join(asPath, file)));
        if (missing.length > 0) {
          throw new CairnError('MODEL_NOT_FOUND', `${asPath} is not a model2vec model folder: it lacks ${missing.join(', ')}.`, {
            hint: 'Point static: at a folder with model.safetensors, tokenizer.json and config.json.',
          });
        }
        return createStaticEmbedder({ id, modelDir: asPath });
      }
      if (!isValidModelId(parsed.ref)) {
        throw new CairnError('MODEL_NOT_FOUND', `Static model "${parsed.ref}" is neither a folder nor a model id.`, {
          hint: 'Give a model2vec folder path or a model id such as `minishlab/potion-base-8M`.',
        });
      }
      const modelDir = await ensureLocalModel(id, parsed.ref, STATIC_FILES, context);
      return createStaticEmbedder({ id, modelDir });
    }
    case 'openai':
      try {
        return await createOpenAiEmbedder({ id, baseUrl: parsed.baseUrl, model: parsed.model, apiKey: context.openaiApiKey, fetch: context.fetch });
      } catch (error) {
        if (!isCairnError(error) || error.code !== 'UPSTREAM_FAILED') throw error;
        throw new CairnError('EMBEDDER_UNAVAILABLE', `Embedder ${id} is not available: ${error.message}`, {
          cause: error,
          retryable: error.retryable,
          hint: `${error.hint ?? 'Start the embedding server.'} Or set CAIRN_EMBEDDER=none for lexical-only search.`,
        });
      }
  }
}

/** A complete local copy of `modelId`, downloading it into the cache when allowed. */
async function ensureLocalModel(id: string, modelId: string, required: string[], context: EmbedderContext): Promise<string> {
  if (!isValidModelId(modelId)) {
    throw new CairnError('INPUT_INVALID', `"${modelId}" in ${id} is not a model id.`, {
      hint: 'Use a Hugging Face id such as `Xenova/all-MiniLM-L6-v2`.',
    });
  }
  const local = resolveLocalModel(modelId, context, required);
  if (local) return local;
  const looked = modelLookupDirs(modelId, context)
    .map((dir) => dir.path)
    .join(' and ');
  const hint =
    `Run \`cairn models pull ${modelId}\` while online, set CAIRN_MODELS_DIR to a folder holding ${modelId}/ ` +
    `(with ${required.join(', ')}), or set CAIRN_EMBEDDER=none for lexical-only search.`;
  if (!context.allowDownload) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `Embedder ${id} is not available: no complete copy in ${looked}, and downloads are turned off.`, {
      hint,
      details: { modelId, looked },
    });
  }
  let modelDir: string;
  try {
    modelDir = await pullModel(modelId, { ...context, stallTimeoutMs: 30_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = isCairnError(error) && error.code === 'MODEL_NOT_FOUND' ? 'MODEL_NOT_FOUND' : 'EMBEDDER_UNAVAILABLE';
    throw new CairnError(code, `Embedder ${id} is not available: no complete copy in ${looked}, and the download from ${context.hfEndpoint} failed: ${reason}`, {
      cause: error,
      hint,
      details: { modelId, looked },
    });
  }
  const missing = required.filter((file) => !existsSync(join(modelDir, file)));
  if (missing.length > 0) {
    throw new CairnError('EMBEDDER_UNAVAILABLE', `Embedder ${id} is not available: the download lacks ${missing.join(', ')}.`, { hint });
  }
  return modelDir;
}

/**
 * transformers.js keeps global settings. Cairn downloads models itself (model-files/), so the library
 * must never reach the network (a DNS lookup offline could hang); it only reads local folders.
 */
async function configureTransformers(context: EmbedderContext): Promise<void> {
  const { env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = context.modelsDir ?? modelCacheDir(context);
  env.cacheDir = modelCacheDir(context);
}
