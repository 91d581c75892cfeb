import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { LocalModel, ModelFilesContext } from './model-files-context.js';
import { modelCacheDir } from './model-id.js';

/** A folder is a model when it holds `config.json`; ids are its path under the root (`owner/name`). */
async function scanRoot(root: string, where: LocalModel['where']): Promise<LocalModel[]> {
  if (!existsSync(root)) return [];
  const models: LocalModel[] = [];
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (existsSync(join(dir, 'config.json')) && dir !== root) {
      const files = await listFiles(dir);
      let bytes = 0;
      for (const file of files) bytes += (await stat(join(dir, file))).size;
      models.push({ id: relative(root, dir).split(sep).join('/'), path: dir, where, files, bytes });
      return;
    }
    if (depth >= 2) return;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !entry.name.startsWith('.')) await visit(join(dir, entry.name), depth + 1);
    }
  };
  await visit(root, 0);
  return models;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.includes('.part-'))
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** Models under CAIRN_MODELS_DIR, then those in the download cache, each sorted by id. */
export async function listLocalModels(context: Pick<ModelFilesContext, 'home' | 'modelsDir'>): Promise<LocalModel[]> {
  const fromModelsDir = context.modelsDir ? await scanRoot(context.modelsDir, 'models-dir') : [];
  const fromCache = await scanRoot(modelCacheDir(context), 'cache');
  const byId = (a: LocalModel, b: LocalModel): number => a.id.localeCompare(b.id);
  return [...fromModelsDir.sort(byId), ...fromCache.sort(byId)];
}
