import type { RecordTransfer } from './record-transfer.js';

/** Scopes of an API key, each implying the ones before it: admin ⊃ write ⊃ read. */
export const KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

/** True when a key holding `held` may do what `needed` allows. */
export function scopeAllows(held: KeyScope, needed: KeyScope): boolean {
  return KEY_SCOPES.indexOf(held) >= KEY_SCOPES.indexOf(needed);
}

/** An API key as listed: never its secret. Times are ISO 8601. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** The first 8 characters of the key, so a user can tell keys apart. */
  prefix: string;
  scopes: KeyScope[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A key as `cairn db copy` moves it: the record and the hash of its secret (never the secret itself). */
export interface ExportedApiKey extends ApiKeyRecord {
  /** sha256 hex of the secret, as stored. */
  hash: string;
}

/**
 * API keys of the HTTP API. Only a hash of each secret is stored; the secret is returned once, by
 * `create`. `verify` answers the record of an active (not revoked) key and records its use.
 * Records: ExportedApiKey, oldest first; counted as `apiKeys`.
 */
export interface KeyStore extends RecordTransfer<ExportedApiKey> {
  create(name: string, scopes: KeyScope[]): Promise<{ record: ApiKeyRecord; key: string }>;
  /** Every key, revoked ones included, oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /** False when no key has that id; revoking a revoked key is a no-op that answers true. */
  revoke(id: string): Promise<boolean>;
  verify(secret: string): Promise<ApiKeyRecord | undefined>;
}
