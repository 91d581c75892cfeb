import { modelCacheDir } from './model-id.js';

/**
 * transformers.js keeps global settings. Cairn downloads models itself (ensure-local-model.ts), so the
 * library must never reach the network (a DNS lookup offline could hang): it only reads local folders.
 */
export async function configureTransformers(context: { home: string; modelsDir?: string }): Promise<void> {
  const { env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = context.modelsDir ?? modelCacheDir(context);
  env.cacheDir = modelCacheDir(context);
}

/**
 * onnxruntime session options shared by the embedder and the cross-encoder: a fixed intra-op thread
 * count when `threads` > 0, and no spin-waiting unless asked (on a shared 2-core machine spinning
 * burned ~30 % more CPU for no gain in wall time; docs/decisions/0006-models.md).
 */
export function onnxSessionOptions(threads: number, allowSpinning: boolean | undefined): Record<string, unknown> {
  return {
    ...(threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
    ...(allowSpinning ? {} : { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }),
  };
}
