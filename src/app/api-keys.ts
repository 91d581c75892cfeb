import { z } from 'zod';
import { CairnError } from '../core/cairn-error.js';
import { KEY_SCOPES, type ApiKeyRecord } from '../stores/key-store.js';
import type { CairnApp } from './cairn-app.js';

/** Input of `cairn keys create` and `POST /v1/keys`; the default scope is the least one. */
export const createKeyInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100).default('unnamed'),
    scope: z.enum(KEY_SCOPES).default('read'),
  })
  .strict();
export type CreateKeyInput = z.input<typeof createKeyInputSchema>;

/** Creates a key; the secret in the result is the only time it exists outside its holder. */
export async function createApiKey(app: CairnApp, input: z.output<typeof createKeyInputSchema>): Promise<{ record: ApiKeyRecord; key: string }> {
  return app.keys.create(input.name, [input.scope]);
}

export async function listApiKeys(app: CairnApp): Promise<ApiKeyRecord[]> {
  return app.keys.list();
}

export async function revokeApiKey(app: CairnApp, id: string): Promise<void> {
  if (!(await app.keys.revoke(id))) {
    throw new CairnError('NOT_FOUND', `No API key with id "${id}".`, { hint: 'List the keys with `cairn keys list` or GET /v1/keys.' });
  }
}

/**
 * Creates the first admin key when no active admin key exists, and returns its secret (to be shown
 * once); undefined when one exists already, so a restart never prints or creates another.
 */
export async function ensureAdminKey(app: CairnApp): Promise<string | undefined> {
  const keys = await app.keys.list();
  if (keys.some((k) => k.revokedAt === null && k.scopes.includes('admin'))) return undefined;
  return (await app.keys.create('admin (first start)', ['admin'])).key;
}
