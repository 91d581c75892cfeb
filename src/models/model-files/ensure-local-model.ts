import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CairnError, isCairnError, type ErrorCode } from '../../core/cairn-error.js';
import type { ModelFilesContext } from './model-files-context.js';
import { isValidModelId, modelLookupDirs } from './model-id.js';
import { pullModel } from './pull-model.js';
import { resolveLocalModel } from './resolve-local-model.js';

/** Who asks for the model: names it in messages and picks the error code and the way out. */
export interface ModelRole {
  /** `Embedder` or `Reranker`. */
  label: string;
  /** The spec as configured (`onnx:Xenova/all-MiniLM-L6-v2`). */
  id: string;
  /** Code when the model cannot be had now (EMBEDDER_UNAVAILABLE, RERANKER_UNAVAILABLE). */
  unavailable: ErrorCode;
  /** Example model id for the hint on a malformed id. */
  exampleId: string;
  /** How to do without the model (`set CAIRN_EMBEDDER=none for lexical-only search`). */
  without: string;
}

/**
 * A complete local copy of `modelId` (every file of `required` present): CAIRN_MODELS_DIR first, then
 * the cache, then a download into the cache when `allowDownload`. Fails fast offline, with where it
 * looked and how to proceed; a model the hub does not have is MODEL_NOT_FOUND.
 */
export async function ensureLocalModel(
  role: ModelRole,
  modelId: string,
  required: string[],
  context: ModelFilesContext & { allowDownload: boolean },
): Promise<string> {
  if (!isValidModelId(modelId)) {
    throw new CairnError('INPUT_INVALID', `"${modelId}" in ${role.id} is not a model id.`, {
      hint: `Use a Hugging Face id such as \`${role.exampleId}\`.`,
    });
  }
  const local = resolveLocalModel(modelId, context, required);
  if (local) return local;
  const looked = modelLookupDirs(modelId, context)
    .map((dir) => dir.path)
    .join(' and ');
  const hint =
    `Run \`cairn models pull ${modelId}\` while online, set CAIRN_MODELS_DIR to a folder holding ${modelId}/ ` +
    `(with ${required.join(', ')}), or ${role.without}.`;
  const notHere = `${role.label} ${role.id} is not available: no complete copy in ${looked}`;
  if (!context.allowDownload) {
    throw new CairnError(role.unavailable, `${notHere}, and downloads are turned off.`, { hint, details: { modelId, looked } });
  }
  let modelDir: string;
  try {
    modelDir = await pullModel(modelId, { ...context, stallTimeoutMs: context.stallTimeoutMs ?? 30_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = isCairnError(error) && error.code === 'MODEL_NOT_FOUND' ? 'MODEL_NOT_FOUND' : role.unavailable;
    throw new CairnError(code, `${notHere}, and the download from ${context.hfEndpoint} failed: ${reason}`, {
      cause: error,
      hint,
      details: { modelId, looked, ...(isCairnError(error) ? { reason: error.code } : {}) },
    });
  }
  const missing = required.filter((file) => !existsSync(join(modelDir, file)));
  if (missing.length > 0) {
    throw new CairnError(role.unavailable, `${role.label} ${role.id} is not available: the download lacks ${missing.join(', ')}.`, { hint });
  }
  return modelDir;
}
