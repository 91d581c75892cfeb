import { randomBytes } from 'node:crypto';
import type { ApiKeyRecord, ExportedApiKey, KeyScope, KeyStore } from '../stores/key-store.js';
import type { RecordPage } from '../stores/record-transfer.js';

/** KeyStore for tests of use cases that do not touch keys; keeps secrets in memory. */
export class InMemoryKeyStore implements KeyStore {
  readonly #bySecret = new Map<string, ApiKeyRecord>();

  async create(name: string, scopes: KeyScope[]): Promise<{ record: ApiKeyRecord; key: string }> {
    const key = `cairn_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { id: randomBytes(8).toString('hex'), name, prefix: key.slice(0, 8), scopes, createdAt: new Date().toISOString(), lastUsedAt: null, revokedAt: null };
    this.#bySecret.set(key, record);
    return { record: { ...record }, key };
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.#bySecret.values()].map((r) => ({ ...r }));
  }

  async revoke(id: string): Promise<boolean> {
    const record = [...this.#bySecret.values()].find((r) => r.id === id);
    if (record && record.revokedAt === null) record.revokedAt = new Date().toISOString();
    return record !== undefined;
  }

  async verify(secret: string): Promise<ApiKeyRecord | undefined> {
    const record = this.#bySecret.get(secret);
    if (!record || record.revokedAt !== null) return undefined;
    record.lastUsedAt = new Date().toISOString();
    return { ...record };
  }

  /** Exports nothing and imports nothing: secrets here are not hashed, and no test copies this store. */
  async exportRecords(): Promise<RecordPage<ExportedApiKey>> {
    return { items: [], cursor: null };
  }

  async importRecords(): Promise<number> {
    return 0;
  }

  async countRecords(): Promise<Record<string, number>> {
    return { apiKeys: this.#bySecret.size };
  }
}
