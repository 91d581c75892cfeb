import { toCairnError } from '../core/cairn-error.js';
import { apiKeyFor } from '../models/endpoint-credentials.js';
import { listModels } from '../models/generate/list-models.js';
import { modelCredentials } from './model-credentials.js';
import type { LexicalAcceleratorStatus } from '../stores/lexical-index.js';
import type { VectorIndexHealth } from '../stores/vector-index.js';
import type { CairnApp } from './cairn-app.js';

export interface Readiness {
  /** `unavailable` only when the store does not answer; a missing model degrades answers, it does not make the server unready. */
  status: 'ready' | 'unavailable';
  /** The store backend (see StoreBackend.describe); `vectors`: the kind of vector index in use. */
  store: { ok: boolean; kind: string; location: string; vectors: string; sizeBytes?: number; collections?: number; error?: string };
  /**
   * The lexical index, and per collection its in-memory accelerator when it keeps one (`ready` once
   * queries are answered from memory; the store answers them before).
   */
  lexical: { kind: string; accelerators: ({ collection: string } & LexicalAcceleratorStatus)[] };
  /**
   * A separate vector store (Chroma), when configured: heartbeat, version and per-collection counts
   * against the store's. Down degrades dense and hybrid search to lexical; it does not make the server unready.
   */
  vectorStore?: VectorIndexHealth;
  /** One entry per embedder in use by a collection: loaded, or lexical-only and why. */
  embedders: { id: string; collections: string[]; loaded: boolean; lexicalOnly: boolean; reason?: string }[];
  /** `loading`: still loading (or downloading) after RERANKER_WAIT_MS; the answer path waits for it, this check does not. */
  reranker: { id: string; enabled: boolean; loaded: boolean; state: 'off' | 'loading' | 'loaded' | 'unavailable' };
  /**
   * `available`: a model was configured or discovered; `reachable`: at least one endpoint answered its
   * model list just now (null without a model). Without one, answers are extractive.
   */
  llm: {
    configured: boolean;
    available: boolean;
    reachable: boolean | null;
    id?: string;
    model?: string;
    endpoints: { url: string; state: string; consecutiveFailures: number; reachable: boolean; error?: string }[];
  };
}

/**
 * Use case: whether the store answers, and nothing else: what `/readyz` tells callers without an admin
 * key. It loads no model and contacts no server (an unauthenticated probe must not make Cairn call out).
 */
export async function readinessStatus(app: CairnApp): Promise<Pick<Readiness, 'status'>> {
  try {
    await app.chunks.listCollections();
    return { status: 'ready' };
  } catch {
    return { status: 'unavailable' };
  }
}

/** How long one LLM endpoint may take to list its models during a readiness check. */
const PROBE_TIMEOUT_MS = 2000;
/** How long the check waits for the reranker to load (a first load may download a model). */
const RERANKER_WAIT_MS = 1500;

/**
 * Use case: whether the server can answer, part by part. Loads (once, then cached by the app) every
 * embedder a collection uses and starts loading the configured reranker (waiting for it at most
 * RERANKER_WAIT_MS), so the first probe also warms them up, and asks each LLM endpoint for its model list.
 */
export async function readiness(app: CairnApp): Promise<Readiness> {
  const described = await app.describeStore();
  const { kind, location, vectors, sizeBytes } = described;
  let store: Readiness['store'] = { ok: false, kind, location, vectors, ...(sizeBytes === undefined ? {} : { sizeBytes }), error: described.error ?? 'the store does not answer' };
  let collections: { name: string; embedder: string }[] = [];
  if (described.ok) {
    try {
      collections = await app.chunks.listCollections();
      store = { ok: true, kind, location, vectors, ...(sizeBytes === undefined ? {} : { sizeBytes }), collections: collections.length };
    } catch (error) {
      store = { ...store, error: toCairnError(error).message };
    }
  }
  const byEmbedder = new Map<string, string[]>();
  for (const c of collections) byEmbedder.set(c.embedder, [...(byEmbedder.get(c.embedder) ?? []), c.name]);
  const rerankerId = app.config.rerank.reranker;
  const [embedders, reranker, model, vectorStore] = await Promise.all([
    Promise.all(
      [...byEmbedder].map(async ([id, names]) => {
        const loaded = await app.loadEmbedder(id);
        return {
          id,
          collections: names,
          loaded: loaded.embedder !== null,
          lexicalOnly: loaded.embedder === null,
          ...(loaded.unavailableReason ? { reason: loaded.unavailableReason } : id === 'none' ? { reason: 'the collection has no embedder (lexical search only)' } : {}),
        };
      }),
    ),
    rerankerId === 'none' ? ('off' as const) : settledWithin(app.loadReranker(), RERANKER_WAIT_MS),
    app.languageModel(),
    app.vectors.health?.(),
  ]);
  const endpoints = model
    ? await Promise.all(
        model.endpoints().map(async (endpoint) => {
          const probe = await probeEndpoint(endpoint.url, apiKeyFor(endpoint.url, modelCredentials(app.config)));
          return { url: endpoint.url, state: endpoint.state, consecutiveFailures: endpoint.consecutiveFailures, ...probe };
        }),
      )
    : [];
  return {
    status: store.ok ? 'ready' : 'unavailable',
    store,
    lexical: {
      kind: app.lexical.kind,
      accelerators: collections.flatMap((c) => {
        const status = app.lexical.acceleratorStatus?.(c.name);
        return status ? [{ collection: c.name, ...status }] : [];
      }),
    },
    ...(vectorStore === undefined ? {} : { vectorStore }),
    embedders,
    reranker: {
      id: rerankerId,
      enabled: rerankerId !== 'none',
      loaded: typeof reranker === 'object' && reranker !== null,
      state: reranker === 'off' || reranker === 'loading' ? reranker : reranker === null ? 'unavailable' : 'loaded',
    },
    llm: {
      configured: app.config.llm.urls.length > 0,
      available: model !== null,
      reachable: model ? endpoints.some((endpoint) => endpoint.reachable) : null,
      ...(model ? { id: model.id, model: model.model } : {}),
      endpoints,
    },
  };
}

/** The value of `promise` if it settles within `ms`, else `loading` (it keeps running). */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'loading'> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'loading'>((resolve) => {
    timer = setTimeout(() => resolve('loading'), ms);
  });
  return Promise.race([promise, waited]).finally(() => clearTimeout(timer));
}

async function probeEndpoint(url: string, apiKey: string | undefined): Promise<{ reachable: boolean; error?: string }> {
  try {
    await listModels({ baseUrl: url, timeoutMs: PROBE_TIMEOUT_MS, ...(apiKey ? { apiKey } : {}) });
    return { reachable: true };
  } catch (error) {
    return { reachable: false, error: toCairnError(error).message };
  }
}
