import { mkdirSync } from 'node:fs';
import type { CairnConfig } from '../config/config-schema.js';
import { toCairnError } from '../core/cairn-error.js';
import { noopTelemetry, type Telemetry } from '../core/telemetry.js';
import { SearchCache } from './search-cache.js';
import type { SearchUseCaseResponse } from './search.js';
import type { Embedder } from '../models/embed/embedder.js';
import { createEmbedder } from '../models/embed/create-embedder.js';
import { resolveLanguageModel } from '../models/generate/create-language-model.js';
import type { LanguageModel } from '../models/generate/language-model.js';
import type { DownloadProgress } from '../models/model-files/download-progress.js';
import { createReranker } from '../models/rerank/create-reranker.js';
import type { Reranker } from '../models/rerank/reranker.js';
import { estimateTokenCounter } from '../models/tokenize/estimate-token-counter.js';
import { registerDataDiskGauges } from '../observe/data-disk-usage.js';
import { chromaVectorIndexFactory } from '../stores/chroma/create-chroma-vector-index.js';
import { createPostgresBackend } from '../stores/postgres/create-postgres-backend.js';
import { createSqliteBackend } from '../stores/sqlite/create-sqlite-backend.js';
import type { StoreBackendFactory } from '../stores/store-backend.js';
import type { UploadStore } from '../stores/upload-store.js';
import { openUploadStore } from './jobs/open-upload-store.js';
import { BufferedAnalytics } from './analytics/buffered-analytics.js';
import { modelContext, type CairnApp, type LoadedEmbedder } from './cairn-app.js';
import { unboundEmbedderKeyNotice } from './model-credentials.js';
import { applyStoredSettings, runtimeSettingValues } from './runtime-settings.js';

export interface OpenCairnOptions {
  onNotice?: (text: string) => void;
  onDownloadProgress?: (event: DownloadProgress) => void;
  /** A server or MCP process that answers many queries: enables `search.lexicalAccelerator: auto`. */
  longRunning?: boolean;
  /** Default: Prometheus metrics when `server.metrics.enabled`, else none. */
  telemetry?: Telemetry;
}

/** The store backends by `store.kind`: each is a folder under stores/ with its factory. */
const STORE_BACKENDS: Record<CairnConfig['store']['kind'], StoreBackendFactory> = { sqlite: createSqliteBackend, postgres: createPostgresBackend };

/** The composition root: the one place that wires config to concrete backends. */
export async function openCairn(config: CairnConfig, options: OpenCairnOptions = {}): Promise<CairnApp> {
  mkdirSync(config.home, { recursive: true });
  // A separate vector store replaces the backend's own index; the backend stays the source of truth.
  const store = await STORE_BACKENDS[config.store.kind](config, {
    longRunning: options.longRunning === true,
    ...(config.vectorStore.kind === 'chroma' ? { vectorIndex: chromaVectorIndexFactory(config) } : {}),
  });
  let uploads: UploadStore;
  try {
    uploads = await openUploadStore(config, store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const telemetry = options.telemetry ?? (config.server.metrics.enabled ? await prometheusTelemetry() : noopTelemetry);
  telemetry.gauge('index.chunks', async () => (await store.chunks.listCollections()).map((c) => ({ labels: { collection: c.name }, value: c.chunkCount })));
  telemetry.gauge('index.vectors', async () =>
    Promise.all((await store.chunks.listCollections()).map(async (c) => ({ labels: { collection: c.name }, value: (await store.chunks.vectorWatermark(c.name)).vectorCount }))),
  );
  // Read from the durable job store, so the gauges hold whichever process runs the jobs (capped: a scrape stays cheap).
  const jobStore = store.jobs;
  telemetry.gauge('jobs.queueDepth', async () => (await jobStore.listQueued(10_000)).length);
  telemetry.gauge('jobs.running', async () => (await jobStore.list({ status: 'running', limit: 1000 })).items.length);
  registerDataDiskGauges(telemetry, config.home);
  const searchCache = config.search.cache.enabled ? new SearchCache<SearchUseCaseResponse>(config.search.cache.size) : undefined;
  if (searchCache !== undefined) {
    telemetry.gauge('search.cacheEntries', () => searchCache.stats().entries);
    telemetry.gauge('search.cacheHitRatio', () => {
      const { hits, misses } = searchCache.stats();
      return hits + misses === 0 ? 0 : hits / (hits + misses);
    });
  }
  const said = new Set<string>();
  const notice = (text: string) => {
    if (said.has(text)) return;
    said.add(text);
    options.onNotice?.(text);
  };
  // Run-time settings changed through the API sit above the file, environment and flags.
  const configuredSettings = runtimeSettingValues(config);
  applyStoredSettings(config, await store.settings.all(), notice);
  const analytics = new BufferedAnalytics(store.analytics, { enabled: config.analytics.enabled, retentionDays: config.analytics.retentionDays, onNotice: notice });
  const loaded = new Map<string, Promise<LoadedEmbedder>>();
  const context = { ...modelContext(config), onDownloadProgress: options.onDownloadProgress, onNotice: notice };

  const loadEmbedder = (id: string): Promise<LoadedEmbedder> => {
    const cached = loaded.get(id);
    if (cached) return cached;
    {
      const keyNotice = unboundEmbedderKeyNotice(config, context.credentials, id);
      if (keyNotice) notice(keyNotice);
      const pending = createEmbedder(id, context).then(
        (embedder: Embedder): LoadedEmbedder =>
          embedder.dimensions === 0
            ? { id, embedder: null, tokenizer: embedder.tokenizer, maxTokens: embedder.maxTokens }
            : { id, embedder, tokenizer: embedder.tokenizer, maxTokens: embedder.maxTokens },
        (error: unknown): LoadedEmbedder => {
          const reason = toCairnError(error).message;
          notice(`${reason.replace(/\.$/, '')}. Working lexical-only until it is available (dense and hybrid search need it).`);
          return { id, embedder: null, tokenizer: estimateTokenCounter, maxTokens: 512, unavailableReason: reason };
        },
      );
      loaded.set(id, pending);
      return pending;
    }
  };

  // One attempt per process; loadReranker turns a failure into null and a notice, requireReranker rethrows it.
  let rerankerAttempt: Promise<{ reranker: Reranker | null } | { error: unknown }> | undefined;
  const attemptReranker = () =>
    (rerankerAttempt ??= createReranker(config.rerank.reranker, { ...context, batchSize: config.rerank.batchSize }).then(
      (reranker) => ({ reranker }),
      (error: unknown) => ({ error }),
    ));
  let rerankerNotice: string | undefined;
  const loadReranker = async (): Promise<Reranker | null> => {
    const attempt = await attemptReranker();
    if ('reranker' in attempt) return attempt.reranker;
    rerankerNotice = `No reranker: ${toCairnError(attempt.error).message.replace(/\.$/, '')}. Results keep their retrieval order; set CAIRN_RERANKER=none to skip the reranker.`;
    notice(rerankerNotice);
    return null;
  };
  const requireReranker = async (): Promise<Reranker | null> => {
    const attempt = await attemptReranker();
    if ('error' in attempt) throw toCairnError(attempt.error);
    return attempt.reranker;
  };
  let languageModel: Promise<LanguageModel | null> | undefined;
  const loadLanguageModel = (): Promise<LanguageModel | null> => {
    const { apiKey: llmApiKey, ...llmSettings } = config.llm;
    languageModel ??= resolveLanguageModel({
      ...llmSettings,
      credentials: context.credentials,
      // Its one notice says that discovery picked a server, which gets no key (model-credentials.ts).
      onNotice: (text) => notice(llmApiKey && llmSettings.urls.length === 0 ? `${text} CAIRN_LLM_API_KEY is not sent to it: the key goes only to the URLs of CAIRN_LLM_URL.` : text),
    }).catch((error: unknown) => {
      notice(`The language model is unavailable (${toCairnError(error).message}); answers are extractive.`);
      return null;
    });
    return languageModel;
  };

  return {
    config,
    chunks: store.chunks,
    lexical: store.lexical,
    vectors: store.vectors,
    keys: store.keys,
    jobs: store.jobs,
    uploads,
    chats: store.chats,
    memories: store.memories,
    ...(store.backup === undefined ? {} : { backup: store.backup }),
    describeStore: () => store.describe(),
    settings: store.settings,
    configuredSettings,
    analytics,
    telemetry,
    ...(searchCache === undefined ? {} : { searchCache }),
    loadEmbedder,
    loadReranker,
    requireReranker,
    rerankerUnavailableNotice: () => rerankerNotice,
    languageModel: loadLanguageModel,
    notice,
    async close() {
      await analytics.close();
      const attempt = rerankerAttempt === undefined ? undefined : await rerankerAttempt;
      if (attempt && 'reranker' in attempt) await attempt.reranker?.close?.();
      for (const pending of loaded.values()) {
        const value = await pending;
        await value.embedder?.close?.();
      }
      await uploads.close();
      await store.close();
    },
  };
}

/** Loaded on demand: prom-client costs tens of milliseconds to import, which a server with metrics off does not pay. */
async function prometheusTelemetry(): Promise<Telemetry> {
  const { PrometheusTelemetry } = await import('../observe/prometheus-telemetry.js');
  return new PrometheusTelemetry();
}
