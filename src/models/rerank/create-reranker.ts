import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError, isCairnError } from '../../core/cairn-error.js';
import type { DownloadProgress } from '../model-files/download-progress.js';
import { isValidModelId, modelCacheDir, modelLookupDirs } from '../model-files/model-id.js';
import { ONNX_WEIGHT_FILES, pullModel } from '../model-files/pull-model.js';
import { resolveLocalModel } from '../model-files/resolve-local-model.js';
import { createHttpReranker } from './http-reranker.js';
import { createOnnxCrossEncoder } from './onnx-cross-encoder.js';
import { parseRerankerSpec, rerankerSpecId } from './parse-reranker-spec.js';
import type { Reranker } from './reranker.js';

/** What building a reranker needs from the configuration (filled by the composition root). */
export interface RerankerContext {
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
  /** Pairs per model run (local) or documents per request (HTTP). */
  batchSize: number;
  /** Bearer token for an HTTP reranker. */
  apiKey?: string;
  fetch?: typeof fetch;
  onDownloadProgress?: (e: DownloadProgress) => void;
  /** Per HTTP request; 30,000 ms when absent. */
  timeoutMs?: number;
  /** Abort a model download when no byte arrives for this long; 30,000 ms when absent. */
  stallTimeoutMs?: number;
}

/**
 * Builds the reranker named by `spec` (`onnx:<model-id>`, `http:<base-url>[#<model>]`, `none`).
 * `none` → null. ONNX models are looked up in `modelsDir`, then the cache, then downloaded when
 * allowed. Throws INPUT_INVALID for a malformed spec and RERANKER_UNAVAILABLE when the model or
 * server cannot be had now (callers report it once and answer without reranking).
 */
export async function createReranker(spec: string, context: RerankerContext): Promise<Reranker | null> {
  const parsed = parseRerankerSpec(spec);
  const id = rerankerSpecId(parsed);
  switch (parsed.kind) {
    case 'none':
      return null;
    case 'onnx': {
      const required = ['config.json', 'tokenizer.json', ONNX_WEIGHT_FILES[context.onnxDtype]];
      const modelDir = await ensureLocalModel(id, parsed.modelId, required, context);
      await configureTransformers(context);
      return createOnnxCrossEncoder({ id, modelDir, dtype: context.onnxDtype, threads: context.onnxThreads, batchSize: context.batchSize });
    }
    case 'http':
      try {
        return await createHttpReranker({
          id,
          baseUrl: parsed.baseUrl,
          model: parsed.model,
          apiKey: context.apiKey,
          maxBatchSize: context.batchSize,
          timeoutMs: context.timeoutMs,
          fetch: context.fetch,
        });
      } catch (error) {
        if (!isCairnError(error) || (error.code !== 'UPSTREAM_FAILED' && error.code !== 'UPSTREAM_TIMEOUT')) throw error;
        throw new CairnError('RERANKER_UNAVAILABLE', `Reranker ${id} is not available: ${error.message}`, {
          cause: error,
          retryable: error.retryable,
          hint: `${error.hint ?? 'Start the reranking server.'} Or set CAIRN_RERANKER=none to answer without reranking.`,
          details: error.details,
        });
      }
  }
}

/** A complete local copy of `modelId`, downloading it into the cache when allowed. */
async function ensureLocalModel(id: string, modelId: string, required: string[], context: RerankerContext): Promise<string> {
  if (!isValidModelId(modelId)) {
    throw new CairnError('INPUT_INVALID', `"${modelId}" in ${id} is not a model id.`, {
      hint: 'Use a Hugging Face id such as `Xenova/ms-marco-MiniLM-L-6-v2`.',
    });
  }
  const local = resolveLocalModel(modelId, context, required);
  if (local) return local;
  const looked = modelLookupDirs(modelId, context)
    .map((dir) => dir.path)
    .join(' and ');
  const hint =
    `Run \`cairn models pull ${modelId}\` while online, set CAIRN_MODELS_DIR to a folder holding ${modelId}/ ` +
    `(with ${required.join(', ')}), or set CAIRN_RERANKER=none to answer without reranking.`;
  if (!context.allowDownload) {
    throw new CairnError('RERANKER_UNAVAILABLE', `Reranker ${id} is not available: no complete copy in ${looked}, and downloads are turned off.`, {
      hint,
      details: { modelId, looked },
    });
  }
  let modelDir: string;
  try {
    modelDir = await pullModel(modelId, { ...context, stallTimeoutMs: context.stallTimeoutMs ?? 30_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CairnError('RERANKER_UNAVAILABLE', `Reranker ${id} is not available: no complete copy in ${looked}, and the download from ${context.hfEndpoint} failed: ${reason}`, {
      cause: error,
      hint,
      details: { modelId, looked, ...(isCairnError(error) ? { reason: error.code } : {}) },
    });
  }
  const missing = required.filter((file) => !existsSync(join(modelDir, file)));
  if (missing.length > 0) {
    throw new CairnError('RERANKER_UNAVAILABLE', `Reranker ${id} is not available: the download lacks ${missing.join(', ')}.`, { hint });
  }
  return modelDir;
}

/**
 * transformers.js keeps global settings; Cairn downloads models itself (model-files/), so the library
 * only reads local folders and never reaches the network (same settings as the embedder's factory).
 */
async function configureTransformers(context: RerankerContext): Promise<void> {
  const { env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = context.modelsDir ?? modelCacheDir(context);
  env.cacheDir = modelCacheDir(context);
}
