/** The model-files API the CLI and the composition root use (`cairn models list|pull`, lookups). */
export type { DownloadProgress } from './download-progress.js';
export type { LocalModel, ModelFilesContext } from './model-files-context.js';
export { listLocalModels } from './list-local-models.js';
export { isValidModelId, modelCacheDir, modelLookupDirs } from './model-id.js';
export { ONNX_WEIGHT_FILES, pullModel } from './pull-model.js';
export { resolveLocalModel } from './resolve-local-model.js';
