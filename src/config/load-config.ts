import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, resolve } from 'node:path';
import { z } from 'zod';
import { CairnError } from '../core/cairn-error.js';
import { configSchema, type CairnConfig } from './config-schema.js';

export interface LoadConfigOptions {
  /** Explicit config file (`--config`); when absent `cairn.config.json` in `cwd` is used if present. */
  configPath?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags, already shaped like the schema (highest precedence). */
  flags?: DeepPartial<CairnConfig>;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export const CONFIG_FILE_NAME = 'cairn.config.json';

/** Builds the effective configuration: defaults < file < environment < flags. */
export function loadConfig(options: LoadConfigOptions = {}): CairnConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = readConfigFile(options.configPath, cwd);
  if ('vectorStore' in file) file.vectorStore = expandVectorStore(file.vectorStore);
  const layered = mergeDeep(mergeDeep(mergeDeep({ home: resolve(homedir(), '.cairn') }, file), fromEnvironment(env)), options.flags ?? {});
  // A database URL without an explicit kind selects PostgreSQL (CAIRN_DATABASE_URL alone is enough).
  const store = layered.store as Record<string, unknown> | undefined;
  if (store !== undefined && typeof store.url === 'string' && store.kind === undefined) store.kind = 'postgres';
  const parsed = configSchema.safeParse(layered);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new CairnError('CONFIG_INVALID', `Invalid configuration at "${where}": ${issue?.message ?? 'unknown problem'}.`, {
      hint: `Fix ${where || 'the value'} in ${options.configPath ?? CONFIG_FILE_NAME}, the environment or the flags.`,
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  const config = parsed.data;
  config.home = resolve(cwd, config.home);
  if (config.modelsDir) config.modelsDir = resolve(cwd, config.modelsDir);
  if (config.store.path) config.store.path = resolve(cwd, config.store.path);
  if (config.store.tls) {
    for (const file of ['ca', 'cert', 'key'] as const) {
      const path = config.store.tls[file];
      if (path) config.store.tls[file] = resolve(cwd, path);
    }
  }
  config.jobs.uploadsDir = resolve(cwd, config.jobs.uploadsDir ?? resolve(config.home, 'uploads'));
  config.backup.dir = resolve(cwd, config.backup.dir ?? resolve(config.home, 'backups'));
  config.sources.allowedDirs = config.sources.allowedDirs.map((dir) => resolve(cwd, dir));
  return config;
}

function readConfigFile(configPath: string | undefined, cwd: string): Record<string, unknown> {
  const path = configPath ? resolve(cwd, configPath) : resolve(cwd, CONFIG_FILE_NAME);
  if (!existsSync(path)) {
    if (configPath) {
      throw new CairnError('CONFIG_INVALID', `Config file not found: ${path}.`, { hint: 'Check the --config path.' });
    }
    return {};
  }
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return z.record(z.string(), z.unknown()).parse(value);
  } catch (error) {
    throw new CairnError('CONFIG_INVALID', `Config file ${path} is not a JSON object: ${(error as Error).message}.`, {
      cause: error,
      hint: 'Make it valid JSON, for example {"embedder": "none"}.',
    });
  }
}

/** The environment variables Cairn reads. These names are a public contract. */
function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  if (env.CAIRN_HOME) out.home = env.CAIRN_HOME;
  if (env.CAIRN_MODELS_DIR) out.modelsDir = env.CAIRN_MODELS_DIR;
  if (env.CAIRN_EMBEDDER) out.embedder = env.CAIRN_EMBEDDER;
  if (env.CAIRN_COLLECTION) out.defaultCollection = env.CAIRN_COLLECTION;
  if (env.CAIRN_EMBED_DEVICE) out.embed = { device: env.CAIRN_EMBED_DEVICE };
  const store: Record<string, unknown> = {};
  if (env.CAIRN_DB) store.path = env.CAIRN_DB;
  if (env.CAIRN_DATABASE_URL) store.url = env.CAIRN_DATABASE_URL;
  if (Object.keys(store).length > 0) out.store = store;
  if (env.HF_ENDPOINT) models.hfEndpoint = env.HF_ENDPOINT;
  if (env.CAIRN_EMBEDDER_API_KEY) models.openaiApiKey = env.CAIRN_EMBEDDER_API_KEY;
  if (env.CAIRN_MODELS_ALLOWED) models.allowed = env.CAIRN_MODELS_ALLOWED.split(',').map((spec) => spec.trim()).filter(Boolean);
  if (env.CAIRN_OFFLINE === '1' || env.HF_HUB_OFFLINE === '1') models.allowDownload = false;
  if (Object.keys(models).length > 0) out.models = models;
  const llm: Record<string, unknown> = {};
  if (env.CAIRN_LLM_URL) llm.urls = env.CAIRN_LLM_URL.split(',').map((url) => url.trim()).filter(Boolean);
  if (env.CAIRN_LLM_MODEL) llm.model = env.CAIRN_LLM_MODEL;
  if (env.CAIRN_LLM_API_KEY) llm.apiKey = env.CAIRN_LLM_API_KEY;
  if (env.CAIRN_LLM_DISCOVER === '0') llm.discover = false;
  if (Object.keys(llm).length > 0) out.llm = llm;
  const rerank: Record<string, unknown> = {};
  if (env.CAIRN_RERANKER) rerank.reranker = env.CAIRN_RERANKER;
  if (env.CAIRN_RERANKER_API_KEY) rerank.apiKey = env.CAIRN_RERANKER_API_KEY;
  if (Object.keys(rerank).length > 0) out.rerank = rerank;
  const server: Record<string, unknown> = {};
  if (env.CAIRN_HOST) server.host = env.CAIRN_HOST;
  if (env.CAIRN_PORT) server.port = Number(env.CAIRN_PORT);
  if (env.CAIRN_CORS_ORIGINS) server.cors = { origins: env.CAIRN_CORS_ORIGINS.split(',').map((origin) => origin.trim()).filter(Boolean) };
  const rateLimit: Record<string, unknown> = {};
  if (env.CAIRN_RATE_LIMIT_MAX) rateLimit.max = Number(env.CAIRN_RATE_LIMIT_MAX);
  if (env.CAIRN_RATE_LIMIT === '0') rateLimit.enabled = false;
  if (env.CAIRN_REDIS_URL) rateLimit.redisUrl = env.CAIRN_REDIS_URL;
  if (Object.keys(rateLimit).length > 0) server.rateLimit = rateLimit;
  if (Object.keys(server).length > 0) out.server = server;
  if (env.CAIRN_ALLOWED_DIRS) out.sources = { allowedDirs: env.CAIRN_ALLOWED_DIRS.split(delimiter).filter(Boolean) };
  const jobs: Record<string, unknown> = {};
  if (env.CAIRN_WORKER_PORT) jobs.workerPort = Number(env.CAIRN_WORKER_PORT);
  if (env.CAIRN_JOBS_LEASE_SECONDS) jobs.leaseSeconds = Number(env.CAIRN_JOBS_LEASE_SECONDS);
  if (env.CAIRN_JOBS_POLL_MS) jobs.pollMs = Number(env.CAIRN_JOBS_POLL_MS);
  if (Object.keys(jobs).length > 0) out.jobs = jobs;
  const uploads: Record<string, unknown> = {};
  const s3: Record<string, unknown> = {};
  // CAIRN_UPLOADS (deploy/): `s3://bucket/prefix/`, or a store name as CAIRN_UPLOAD_STORE takes.
  const uploadsUrl = /^s3:\/\/([^/]+)\/?(.*)$/.exec(env.CAIRN_UPLOADS ?? '');
  if (uploadsUrl) {
    s3.bucket = uploadsUrl[1];
    if (uploadsUrl[2]) s3.prefix = uploadsUrl[2].endsWith('/') ? uploadsUrl[2] : `${uploadsUrl[2]}/`;
  } else if (env.CAIRN_UPLOADS) uploads.store = env.CAIRN_UPLOADS;
  if (env.CAIRN_UPLOAD_STORE) uploads.store = env.CAIRN_UPLOAD_STORE;
  if (env.CAIRN_S3_BUCKET) s3.bucket = env.CAIRN_S3_BUCKET;
  const endpoint = env.CAIRN_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  if (endpoint && s3.bucket) s3.endpoint = endpoint;
  const region = env.CAIRN_S3_REGION || env.AWS_REGION;
  if (region && s3.bucket) s3.region = region;
  if (env.CAIRN_S3_PREFIX !== undefined) s3.prefix = env.CAIRN_S3_PREFIX;
  if (env.CAIRN_S3_FORCE_PATH_STYLE) s3.forcePathStyle = env.CAIRN_S3_FORCE_PATH_STYLE === '1' || env.CAIRN_S3_FORCE_PATH_STYLE === 'true';
  if (env.CAIRN_S3_ACCESS_KEY_ID) s3.accessKeyId = env.CAIRN_S3_ACCESS_KEY_ID;
  if (env.CAIRN_S3_SECRET_ACCESS_KEY) s3.secretAccessKey = env.CAIRN_S3_SECRET_ACCESS_KEY;
  if (Object.keys(s3).length > 0) uploads.s3 = s3;
  if (Object.keys(uploads).length > 0) out.uploads = uploads;
  const backup: Record<string, unknown> = {};
  if (env.CAIRN_BACKUP_SCHEDULE) backup.schedule = env.CAIRN_BACKUP_SCHEDULE;
  if (env.CAIRN_BACKUP_DIR) backup.dir = env.CAIRN_BACKUP_DIR;
  if (env.CAIRN_BACKUP_POSTGRES_BIN_DIR) backup.postgresBinDir = env.CAIRN_BACKUP_POSTGRES_BIN_DIR;
  if (Object.keys(backup).length > 0) out.backup = backup;
  if (env.CAIRN_ANALYTICS === '0') out.analytics = { enabled: false };
  if (env.CAIRN_LEXICAL_ACCELERATOR) out.search = { lexicalAccelerator: env.CAIRN_LEXICAL_ACCELERATOR };
  const vectorStore = (env.CAIRN_VECTOR_STORE ? expandVectorStore(env.CAIRN_VECTOR_STORE) : {}) as Record<string, unknown>;
  if (env.CAIRN_VECTOR_STORE_TOKEN) vectorStore.token = env.CAIRN_VECTOR_STORE_TOKEN;
  if (Object.keys(vectorStore).length > 0) out.vectorStore = vectorStore;
  return out;
}

/**
 * The short form of `vectorStore` (environment, or a string in the file): `builtin`, or `chroma:<url>`
 * (`chroma:http://host:8000`). Anything else is left for the schema to reject.
 */
export function expandVectorStore(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === 'builtin') return { kind: 'builtin' };
  const match = /^chroma:(.+)$/.exec(text);
  if (match) return { kind: 'chroma', url: match[1]!.replace(/\/+$/, '') };
  return { kind: text };
}

function mergeDeep(base: Record<string, unknown>, over: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const existing = out[key];
    if (isPlainObject(value) && isPlainObject(existing)) out[key] = mergeDeep(existing, value);
    else out[key] = value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
