import { scopeAllows, type ApiKeyRecord, type KeyScope } from '../stores/key-store.js';

/**
 * Who calls a use case that keeps data per owner (chat sessions): an API key over HTTP, or the
 * local operator (the CLI, `cairn mcp` over stdio), who owns the whole store.
 *
 * `owner` is what is stored on the data: `key:<api key id>` for a key, null for the local operator.
 * A key's id, not its name (names are not unique) nor an HTTP Basic user name (which anyone holding
 * the key may type), so that ownership follows the secret that was verified.
 */
export interface Caller {
  owner: string | null;
  /** Sees and manages every owner's data. */
  admin: boolean;
}

/** The local operator: owner null, sees everything. */
export const LOCAL_CALLER: Caller = { owner: null, admin: true };

/** The owner string stored for an API key. */
export function keyOwner(keyId: string): string {
  return `key:${keyId}`;
}

/** The caller of a verified API key. */
export function keyCaller(key: Pick<ApiKeyRecord, 'id' | 'scopes'>): Caller {
  return { owner: keyOwner(key.id), admin: key.scopes.some((scope) => scopeAllows(scope, 'admin')) };
}

/** The highest scope a key holds (`read` for a key without any, which the auth hook never lets through). */
export function highestScope(scopes: readonly KeyScope[]): KeyScope {
  if (scopes.includes('admin')) return 'admin';
  if (scopes.includes('write')) return 'write';
  return 'read';
}

/** Whether `caller` may see data stored with `owner`. */
export function mayAccess(caller: Caller, owner: string | null): boolean {
  return caller.admin || (caller.owner !== null && caller.owner === owner);
}
