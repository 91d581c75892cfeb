import { CairnError } from '../../core/cairn-error.js';
import type { CollectionRecord } from '../../stores/collection-record.js';
import type { CairnApp } from '../cairn-app.js';

/** Model ids of the OpenAI-compatible routes: `cairn/<collection>` answers (and embeds) over that collection. */
export const CAIRN_MODEL_PREFIX = 'cairn/';

export interface CairnModel {
  id: string;
  collection: CollectionRecord;
}

export function modelIdOf(collection: string): string {
  return `${CAIRN_MODEL_PREFIX}${collection}`;
}

/** Use case: one model per collection, in the store's order. */
export async function listCairnModels(app: CairnApp): Promise<CairnModel[]> {
  return (await app.chunks.listCollections()).map((collection) => ({ id: modelIdOf(collection.name), collection }));
}

/**
 * The collection a model id names. Anything else, including a collection that does not exist, is
 * MODEL_NOT_FOUND with `details.param = "model"`: to an OpenAI client a missing collection is a
 * missing model. The id is only ever compared with collection names, never loaded as a model spec.
 */
export async function collectionOfModel(app: CairnApp, model: string): Promise<CollectionRecord> {
  const name = model.startsWith(CAIRN_MODEL_PREFIX) ? model.slice(CAIRN_MODEL_PREFIX.length) : undefined;
  const record = name ? await app.chunks.getCollection(name) : undefined;
  if (record) return record;
  const known = (await listCairnModels(app)).map((entry) => entry.id);
  throw new CairnError('MODEL_NOT_FOUND', `The model \`${model}\` does not exist.`, {
    hint: known.length > 0 ? `Use one of ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''} (GET /v1/models lists them).` : 'Ingest documents into a collection first; each collection <name> is the model cairn/<name>.',
    details: { param: 'model', model },
  });
}
