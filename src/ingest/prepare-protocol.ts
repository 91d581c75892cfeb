import type { SourceItem } from '../core/source-item.js';
import type { DocumentState } from '../stores/chunk-store.js';
import type { PreparedDocument, StageTimes } from './prepare-document.js';
import type { ParseLimits } from './parse/parse-limits.js';
import type { WorkerRecipe } from './worker-recipe.js';

/** `workerData` of a prepare worker. */
export interface PrepareWorkerData {
  recipe: WorkerRecipe;
  chunkSize: number;
  chunkOverlap: number;
  maxTokens: number;
  force: boolean;
  parseLimits?: ParseLimits;
}

export interface PrepareJob {
  id: number;
  item: SourceItem;
  state: DocumentState | undefined;
}

/** A CairnError flattened for `postMessage` (class identity does not survive structured clone). */
export interface WireError {
  code: string;
  message: string;
  hint?: string;
}

export type PrepareReply =
  | { type: 'ready' }
  | { type: 'init-failed'; error: WireError }
  /** `packed`: the vectors of `prepared.chunks` (static model in the worker), chunk after chunk, `dimensions` floats each. */
  | { type: 'result'; id: number; ok: true; prepared: PreparedDocument; times: StageTimes; packed?: ArrayBuffer }
  | { type: 'result'; id: number; ok: false; error: WireError; times: StageTimes };
