import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CairnError, isCairnError } from '../../core/cairn-error.js';
import { apiKeyFor, type EndpointCredential } from '../endpoint-credentials.js';
import type { LocalModelContext } from '../model-files/model-files-context.js';
import { configureTransformers } from '../model-files/configure-transformers.js';
import { ensureLocalModel, type ModelRole } from '../model-files/ensure-local-model.js';
import { isValidModelId } from '../model-files/model-id.js';
import { ONNX_WEIGHT_FILES } from '../model-files/pull-model.js';
import type { Embedder } from './embedder.js';
import { createNoneEmbedder } from './none-embedder.js';
import { createOnnxEmbedder } from './onnx-embedder.js';
import { createOpenAiEmbedder } from './openai-embedder.js';
import { embedderSpecId, parseEmbedderSpec } from './parse-embedder-spec.js';
import { createStaticEmbedder } from './static-embedder.js';

/** What building an embedder needs from the configuration (filled by the composition root). */
export interface EmbedderContext extends LocalModelContext {
  /** Bearer tokens by base URL: an `openai:` embedder sends the one covering its URL, or none. */
  credentials?: readonly EndpointCredential[];
}

const STATIC_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'];

/**
 * Builds the embedder named by `spec` (`onnx:<id>`, `static:<id-or-path>`, `openai:<url>#<model>`, `none`).
 * A model id (`name` or `owner/name`) is looked up in `modelsDir`, then the cache, then downloaded when
 * allowed, never in the working directory; `static:` reads a folder only when it is written as a path
 * (absolute, `./…`, `../…`, or deeper than `owner/name`). Throws
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
      const modelDir = await ensureLocalModel(embedderRole(id), parsed.modelId, required, context);
      await configureTransformers(context);
      return createOnnxEmbedder({ id, modelDir, dtype: context.onnxDtype, threads: context.onnxThreads, device: context.onnxDevice, onNotice: context.onNotice });
    }
    case 'static': {
      if (isValidModelId(parsed.ref)) {
        try {
          const modelDir = await ensureLocalModel(embedderRole(id), parsed.ref, STATIC_FILES, context);
          return createStaticEmbedder({ id, modelDir });
        } catch (error) {
          throw withFolderHint(error, parsed.ref);
        }
      }
      const asPath = resolve(parsed.ref);
      if (!existsSync(asPath) || !statSync(asPath).isDirectory()) {
        throw new CairnError('MODEL_NOT_FOUND', `Static model "${parsed.ref}" is neither a folder nor a model id.`, {
          hint: 'Give a model2vec folder path or a model id such as `minishlab/potion-base-8M`.',
        });
      }
      const missing = STATIC_FILES.filter((file) => !existsSync(join(asPath, file)));
      if (missing.length > 0) {
        throw new CairnError('MODEL_NOT_FOUND', `${asPath} is not a model2vec model folder: it lacks ${missing.join(', ')}.`, {
          hint: 'Point static: at a folder with model.safetensors, tokenizer.json and config.json.',
        });
      }
      return createStaticEmbedder({ id, modelDir: asPath });
    }
    case 'openai':
      try {
        return await createOpenAiEmbedder({ id, baseUrl: parsed.baseUrl, model: parsed.model, apiKey: apiKeyFor(parsed.baseUrl, context.credentials), fetch: context.fetch });
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

/** A model id that also names a folder of the working directory: say how to mean the folder. */
function withFolderHint(error: unknown, ref: string): unknown {
  if (!isCairnError(error) || !existsSync(resolve(ref))) return error;
  return new CairnError(error.code, error.message, {
    cause: error.cause,
    retryable: error.retryable,
    details: error.details,
    hint: `${error.hint ?? ''} To use the folder ${resolve(ref)} instead, write static:./${ref}.`.trim(),
  });
}

function embedderRole(id: string): ModelRole {
  return {
    label: 'Embedder',
    id,
    unavailable: 'EMBEDDER_UNAVAILABLE',
    exampleId: 'Xenova/all-MiniLM-L6-v2',
    without: 'set CAIRN_EMBEDDER=none for lexical-only search',
  };
}
