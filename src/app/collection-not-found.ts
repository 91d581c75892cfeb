import { closestName } from '../core/closest-name.js';
import { CairnError } from '../core/cairn-error.js';
import type { CairnApp } from './cairn-app.js';

/** Names listed in a hint at most; the rest are counted. */
const LISTED = 10;

/**
 * COLLECTION_NOT_FOUND naming what exists: "Did you mean …" when one name is close (closestName),
 * and the existing collections in the hint before `hint`. `details` carries `collection`, `existing`
 * and `suggestion` for callers that offer a choice (the web UI's picker).
 */
export async function collectionNotFound(app: CairnApp, name: string, hint: string): Promise<CairnError> {
  const existing = (await app.chunks.listCollections()).map((record) => record.name);
  const suggestion = closestName(name, existing);
  const listed = existing.slice(0, LISTED).join(', ') + (existing.length > LISTED ? ` and ${existing.length - LISTED} more` : '');
  const known = existing.length === 0 ? 'No collection exists yet.' : `Existing collections: ${listed}.`;
  return new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`, {
    hint: `${known} ${hint}`,
    details: { collection: name, existing, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}
