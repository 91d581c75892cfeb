import { CairnError, isCairnError } from '../../core/cairn-error.js';
import { apiKeyFor, type EndpointCredential } from '../endpoint-credentials.js';
import type { LocalModelContext } from '../model-files/model-files-context.js';
import { configureTransformers } from '../model-files/configure-transformers.js';
import { ensureLocalModel, type ModelRole } from '../model-files/ensure-local-model.js';
import { ONNX_WEIGHT_FILES } from '../model-files/pull-model.js';
import { createHttpReranker } from './http-reranker.js';
import { createOnnxCrossEncoder } from './onnx-cross-encoder.js';
import { parseRerankerSpec, rerankerSpecId } from './parse-reranker-spec.js';
import type { Reranker } from './reranker.js';

/** What building a reranker needs from the configuration (filled by the composition root). */
export interface RerankerContext extends LocalModelContext {
  /** Pairs per model run (local) or documents per request (HTTP). */
  batchSize: number;
  /** Bearer tokens by base URL: an HTTP reranker sends the one covering its URL, or none. */
  credentials?: readonly EndpointCredential[];
  /** Per HTTP request; 30,000 ms when absent. */
  timeoutMs?: number;
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
      const modelDir = await ensureLocalModel(rerankerRole(id), parsed.modelId, required, context);
      await configureTransformers(context);
      return createOnnxCrossEncoder({ id, modelDir, dtype: context.onnxDtype, threads: context.onnxThreads, batchSize: context.batchSize, device: context.onnxDevice, onNotice: context.onNotice });
    }
    case 'http':
      try {
        return await createHttpReranker({
          id,
          baseUrl: parsed.baseUrl,
          model: parsed.model,
          apiKey: apiKeyFor(parsed.baseUrl, context.credentials),
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

function rerankerRole(id: string): ModelRole {
  return {
    label: 'Reranker',
    id,
    unavailable: 'RERANKER_UNAVAILABLE',
    exampleId: 'Xenova/ms-marco-MiniLM-L-6-v2',
    without: 'set CAIRN_RERANKER=none to answer without reranking',
  };
}
