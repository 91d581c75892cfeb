import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFilesContext } from './model-files-context.js';
import { assertValidModelId, modelLookupDirs } from './model-id.js';

/**
 * The folder of a local copy of `modelId`: `modelsDir/<id>` first, then the cache `<home>/models/<id>`.
 * A folder counts only when every file of `requiredFiles` is in it (default `config.json`), so a
 * folder holding just a tokenizer does not hide a complete copy in the cache. Null when none is complete.
 */
export function resolveLocalModel(
  modelId: string,
  context: Pick<ModelFilesContext, 'home' | 'modelsDir'>,
  requiredFiles: readonly string[] = ['config.json'],
): string | null {
  assertValidModelId(modelId);
  for (const { path } of modelLookupDirs(modelId, context)) {
    if (requiredFiles.every((file) => existsSync(join(path, file)))) return path;
  }
  return null;
}
