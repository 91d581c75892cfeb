import { z } from 'zod';
import { configSchema, DEFAULT_EMBEDDER, type CairnConfig } from '../config/config-schema.js';
import { CairnError } from '../core/cairn-error.js';
import type { SettingsStore, StoredSetting } from '../stores/settings-store.js';
import type { CairnApp } from './cairn-app.js';
import { highestScope, type Caller } from './caller.js';
import { collectionNameSchema } from './input-schemas.js';
import { parseInput } from './parse-input.js';

/**
 * Settings an admin may change while the server runs (see docs/decisions/0026-ui-layout-and-chat-ownership.md).
 * Only values that every use case reads from `app.config` at each request qualify: a change takes
 * effect on the next request, with no restart and nothing rebuilt. Models, endpoints, stores and
 * limits are read once at start and stay in the configuration file and environment.
 */
export const RUNTIME_SETTING_KEYS = [
  'defaultCollection',
  'search.mode',
  'search.k',
  'answer.retrieveK',
  'answer.sources',
  'llm.temperature',
  'llm.maxAnswerTokens',
  'memory.k',
  'memory.turns',
] as const;

export type RuntimeSettingKey = (typeof RUNTIME_SETTING_KEYS)[number];

const LABELS: Record<RuntimeSettingKey, { label: string; description: string }> = {
  defaultCollection: { label: 'Default collection', description: 'Used by requests, commands and MCP calls that name no collection.' },
  'search.mode': { label: 'Default retrieval mode', description: 'Search and answers that ask for no mode.' },
  'search.k': { label: 'Search results', description: 'Results of a search that asks for no k.' },
  'answer.retrieveK': { label: 'Chunks retrieved per answer', description: 'Candidates retrieved for an answer before reranking.' },
  'answer.sources': { label: 'Sources per answer', description: 'Sources kept after reranking, at most (the context budget may keep fewer).' },
  'llm.temperature': { label: 'Answer temperature', description: 'Sampling temperature of generated answers (0 = most deterministic).' },
  'llm.maxAnswerTokens': { label: 'Longest answer (tokens)', description: 'Most tokens a generated answer may have.' },
  'memory.k': { label: 'Memories per answer', description: 'Long-term memories given to an answer at most (0 turns them off).' },
  'memory.turns': { label: 'Earlier chat turns per answer', description: 'Earlier turns of a chat session given to an answer as sources.' },
};

type ConfigField = z.ZodType & { unwrap?: () => z.ZodType };

/** The schema of one setting: the configuration schema's own field (its default removed), so the bounds live in one place. */
function fieldSchema(key: RuntimeSettingKey): z.ZodType {
  if (key === 'defaultCollection') return collectionNameSchema;
  const [group, name] = key.split('.') as [string, string];
  const wrapped = (configSchema.shape as unknown as Record<string, ConfigField>)[group]!;
  const object = wrapped.unwrap!() as z.ZodObject;
  const field = object.shape[name] as ConfigField;
  return field.unwrap ? field.unwrap() : field;
}

const SCHEMAS = Object.fromEntries(RUNTIME_SETTING_KEYS.map((key) => [key, fieldSchema(key)])) as Record<RuntimeSettingKey, z.ZodType>;

/** `PATCH /v1/settings`: any of the settings; `null` drops the run-time value (back to the configured one). */
export const runtimeSettingsPatchSchema = z
  .object(Object.fromEntries(RUNTIME_SETTING_KEYS.map((key) => [key, SCHEMAS[key].nullable().optional()])) as Record<RuntimeSettingKey, z.ZodOptional<z.ZodNullable<z.ZodType>>>)
  .strict();

export type RuntimeSettingsPatch = Partial<Record<RuntimeSettingKey, unknown>>;

export function readSetting(config: CairnConfig, key: RuntimeSettingKey): unknown {
  if (key === 'defaultCollection') return config.defaultCollection;
  const [group, name] = key.split('.') as [string, string];
  return (config as unknown as Record<string, Record<string, unknown>>)[group]![name];
}

function writeSetting(config: CairnConfig, key: RuntimeSettingKey, value: unknown): void {
  if (key === 'defaultCollection') {
    config.defaultCollection = value as string;
    return;
  }
  const [group, name] = key.split('.') as [string, string];
  (config as unknown as Record<string, Record<string, unknown>>)[group]![name] = value;
}

/** The values of the run-time settings in `config`. */
export function runtimeSettingValues(config: CairnConfig): Record<RuntimeSettingKey, unknown> {
  return Object.fromEntries(RUNTIME_SETTING_KEYS.map((key) => [key, readSetting(config, key)])) as Record<RuntimeSettingKey, unknown>;
}

/**
 * Puts the stored run-time settings into `config` (in place), above the file, environment and flags.
 * A stored value that no longer passes its schema (a newer Cairn narrowed it) or an unknown key is
 * left out with a notice, never an error: the configured value stays.
 */
export function applyStoredSettings(config: CairnConfig, stored: Record<string, StoredSetting>, notice: (text: string) => void): void {
  for (const [key, setting] of Object.entries(stored)) {
    if (!(RUNTIME_SETTING_KEYS as readonly string[]).includes(key)) {
      notice(`The stored setting "${key}" is not one this Cairn knows; it is ignored.`);
      continue;
    }
    const parsed = SCHEMAS[key as RuntimeSettingKey].safeParse(setting.value);
    if (!parsed.success) {
      notice(`The stored setting "${key}" (${JSON.stringify(setting.value)}) is no longer valid; the configured value is used.`);
      continue;
    }
    writeSetting(config, key as RuntimeSettingKey, parsed.data);
  }
}

export interface RuntimeSettingView {
  key: RuntimeSettingKey;
  label: string;
  description: string;
  /** In effect now. */
  value: unknown;
  /** From the configuration file, environment and flags (what a reset returns to). */
  configured: unknown;
  /** Whether a run-time value overrides the configured one. */
  overridden: boolean;
  updatedAt: string | null;
  /** Owner string of who set it (`key:<id>`), null for the local operator or when not overridden. */
  updatedBy: string | null;
  /** JSON Schema of valid values (type, minimum, maximum, enum), for forms. */
  schema: Record<string, unknown>;
}

export interface SettingsView {
  /** The API key asking (null for the local operator), so a client can show what its scope allows. */
  key: { id: string; name: string; prefix: string; scope: 'read' | 'write' | 'admin' } | null;
  /** What remote callers may add as sources (server-side paths, git URLs). `allowedDirs` only for admins. */
  sources: { pathsEnabled: boolean; allowedDirs?: string[]; gitEnabled: boolean; privateNetworks: boolean };
  /** The upload limits (`jobs.maxFilesPerUpload`, `jobs.maxUploadBytes`), so a client sends a large folder in requests that fit. */
  uploads: { maxFilesPerUpload: number; maxUploadBytes: number };
  /** The models in effect: the embedder of new collections, the reranker, the LLM as configured (its URLs for admins only). */
  models: { embedder: string; reranker: string; llm: { urls?: string[]; model: string | null; discover: boolean } };
  settings: RuntimeSettingView[];
}

function jsonSchemaOf(key: RuntimeSettingKey): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(SCHEMAS[key]) as Record<string, unknown>;
  return schema;
}

/** Use case: the settings in effect, what each is configured as, and who may change what. */
export async function getSettings(app: CairnApp, caller: Caller, key: SettingsView['key'] = null): Promise<SettingsView> {
  const stored = (await app.settings?.all()) ?? {};
  const configured = app.configuredSettings ?? runtimeSettingValues(app.config);
  const { config } = app;
  return {
    key,
    sources: {
      pathsEnabled: config.sources.allowedDirs.length > 0,
      ...(caller.admin ? { allowedDirs: config.sources.allowedDirs } : {}),
      gitEnabled: true,
      privateNetworks: config.sources.allowPrivateNetworks,
    },
    uploads: { maxFilesPerUpload: config.jobs.maxFilesPerUpload, maxUploadBytes: config.jobs.maxUploadBytes },
    models: {
      embedder: config.embedder ?? DEFAULT_EMBEDDER,
      reranker: config.rerank.reranker,
      llm: { ...(caller.admin ? { urls: config.llm.urls } : {}), model: config.llm.model ?? null, discover: config.llm.discover },
    },
    settings: RUNTIME_SETTING_KEYS.map((name) => {
      const override = stored[name];
      return {
        key: name,
        ...LABELS[name],
        value: readSetting(config, name),
        configured: configured[name],
        overridden: override !== undefined,
        updatedAt: override?.updatedAt ?? null,
        updatedBy: override?.updatedBy ?? null,
        schema: jsonSchemaOf(name),
      };
    }),
  };
}

/**
 * Use case (admins): changes run-time settings, stored in the database (every process on it reads
 * them when it opens; this one applies them at once). `null` drops a run-time value, back to the
 * configured one. All or nothing: one invalid value refuses the whole change.
 */
export async function updateSettings(app: CairnApp, caller: Caller, patch: RuntimeSettingsPatch): Promise<void> {
  if (!caller.admin) throw new CairnError('FORBIDDEN', 'Only an admin may change settings.', { hint: 'Use an admin key.' });
  const store: SettingsStore | undefined = app.settings;
  if (!store) throw new CairnError('INTERNAL', 'This store keeps no run-time settings.', { hint: 'Change the setting in cairn.config.json instead.' });
  const parsed = parseInput(runtimeSettingsPatchSchema, patch) as Partial<Record<RuntimeSettingKey, unknown>>;
  const name = parsed.defaultCollection;
  if (typeof name === 'string' && !(await app.chunks.getCollection(name))) {
    const existing = (await app.chunks.listCollections()).map((c) => c.name);
    throw new CairnError('COLLECTION_NOT_FOUND', `Collection "${name}" does not exist, so it cannot be the default.`, {
      hint: existing.length > 0 ? `Existing collections: ${existing.join(', ')}.` : 'Create the collection first.',
    });
  }
  const changes = Object.fromEntries(Object.entries(parsed).filter(([, value]) => value !== undefined));
  if (Object.keys(changes).length === 0) return;
  await store.update(changes, caller.owner);
  const configured = app.configuredSettings ?? runtimeSettingValues(app.config);
  for (const [key, value] of Object.entries(changes) as [RuntimeSettingKey, unknown][]) writeSetting(app.config, key, value === null ? configured[key] : value);
}

/** The caller's key as SettingsView shows it. */
export function settingsKeyView(record: { id: string; name: string; prefix: string; scopes: ('read' | 'write' | 'admin')[] }): NonNullable<SettingsView['key']> {
  return { id: record.id, name: record.name, prefix: record.prefix, scope: highestScope(record.scopes) };
}
