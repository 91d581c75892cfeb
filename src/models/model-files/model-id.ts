import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import type { ModelFilesContext } from './model-files-context.js';

/** Hub ids are `name` or `owner/name`; each part letters, digits, `.`, `_`, `-`, and never `.`/`..`. */
const PART = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isValidModelId(modelId: string): boolean {
  const parts = modelId.split('/');
  if (parts.length < 1 || parts.length > 2) return false;
  return parts.every((part) => PART.test(part) && part !== '.' && part !== '..' && !part.includes('..'));
}

export function assertValidModelId(modelId: string): void {
  if (!isValidModelId(modelId)) {
    throw new CairnError('INPUT_INVALID', `"${modelId}" is not a model id.`, {
      hint: 'Use a Hugging Face id such as `Xenova/all-MiniLM-L6-v2` (owner/name; letters, digits, ".", "_", "-").',
    });
  }
}

/** The download cache: `<home>/models`. */
export function modelCacheDir(context: Pick<ModelFilesContext, 'home'>): string {
  return join(context.home, 'models');
}

/** Where a model is looked up, in order: the models dir (when set), then the cache. */
export function modelLookupDirs(
  modelId: string,
  context: Pick<ModelFilesContext, 'home' | 'modelsDir'>,
): { path: string; where: 'models-dir' | 'cache' }[] {
  const dirs: { path: string; where: 'models-dir' | 'cache' }[] = [];
  if (context.modelsDir) dirs.push({ path: join(context.modelsDir, ...modelId.split('/')), where: 'models-dir' });
  dirs.push({ path: join(modelCacheDir(context), ...modelId.split('/')), where: 'cache' });
  return dirs;
}
