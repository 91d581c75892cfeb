import { apiErrorFromResponse } from './api-error.js';
import { fetchSse, followSse } from './sse-stream.js';
import type { SseEvent } from './sse-parser.js';
import type {
  AnalyticsReport,
  ApiKey,
  BackupRun,
  BackupsView,
  ChatMessage,
  ChatSession,
  Collection,
  DocumentPage,
  DocumentRecord,
  DocumentSourceActions,
  ChunkRecord,
  DocumentSort,
  Job,
  KeyScope,
  Page,
  Readiness,
  ReadinessStatus,
  ScalingResult,
  SearchMode,
  SearchResponse,
  SettingsView,
} from './types.js';

export interface AskOptions {
  k?: number;
  mode?: SearchMode;
  rerank?: boolean;
}

export interface DocumentQuery {
  q?: string;
  sort?: DocumentSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface SearchRequest {
  collection: string;
  query: string;
  mode?: SearchMode;
  k?: number;
  rerank?: boolean;
  minScore?: number;
  /** `chunks` asks for raw chunks; the default is documents with their best passages. */
  group?: 'documents' | 'chunks';
  filter?: { pathPrefix?: string; pathGlob?: string; language?: string[]; fileType?: string[]; tags?: string[]; modifiedAfter?: string; modifiedBefore?: string };
}

const enc = encodeURIComponent;

/** Typed client of the public `/v1` API. Every call sends the `Authorization` the person logged in with. */
export class ApiClient {
  constructor(
    private readonly authorization: string,
    private readonly base = '',
  ) {}

  /** `x-cairn-client` tells the server's search analytics the UI's searches from other HTTP clients'. */
  private headers(extra?: Record<string, string>): Record<string, string> {
    return { authorization: this.authorization, 'x-cairn-client': 'web-ui', ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const isForm = typeof FormData !== 'undefined' && body instanceof FormData;
    const response = await fetch(this.base + path, {
      method,
      headers: this.headers(body === undefined || isForm ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' }),
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
      signal,
      cache: 'no-store',
    });
    if (!response.ok) throw await apiErrorFromResponse(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  collections(): Promise<{ collections: Collection[] }> {
    return this.request('GET', '/v1/collections');
  }

  documents(collection: string, query: DocumentQuery, signal?: AbortSignal): Promise<DocumentPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return this.request('GET', `/v1/collections/${enc(collection)}/documents?${params}`, undefined, signal);
  }

  createCollection(body: { name: string; embedder?: string; chunkSize?: number; chunkOverlap?: number }): Promise<Collection> {
    return this.request('POST', '/v1/collections', body);
  }

  deleteCollection(name: string): Promise<{ deleted: string }> {
    return this.request('DELETE', `/v1/collections/${enc(name)}`);
  }

  /** The key asking, what sources may be added, the models in effect and the run-time settings. */
  settings(): Promise<SettingsView> {
    return this.request('GET', '/v1/settings');
  }

  updateSettings(patch: Record<string, unknown>): Promise<SettingsView> {
    return this.request('PATCH', '/v1/settings', patch);
  }

  keys(): Promise<{ keys: ApiKey[] }> {
    return this.request('GET', '/v1/keys');
  }

  /** The answer carries the secret (`key`): the only time it is ever shown. */
  createKey(name: string, scope: KeyScope): Promise<ApiKey & { key: string }> {
    return this.request('POST', '/v1/keys', { name, scope });
  }

  revokeKey(id: string): Promise<{ revoked: string }> {
    return this.request('DELETE', `/v1/keys/${enc(id)}`);
  }

  backups(): Promise<BackupsView> {
    return this.request('GET', '/v1/backups');
  }

  createBackup(): Promise<{ backup: BackupRun }> {
    return this.request('POST', '/v1/backups', {});
  }

  /** The original file of a document, as the server kept it; `name` from Content-Disposition. */
  async originalFile(collection: string, id: number | string): Promise<{ blob: Blob; name: string }> {
    const response = await fetch(`${this.base}/v1/collections/${enc(collection)}/documents/${enc(String(id))}/original`, { headers: this.headers(), cache: 'no-store' });
    if (!response.ok) throw await apiErrorFromResponse(response);
    const disposition = response.headers.get('content-disposition') ?? '';
    const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
    const plain = /filename="([^"]*)"/i.exec(disposition)?.[1];
    let name = plain ?? `document-${id}`;
    if (encoded) {
      try {
        name = decodeURIComponent(encoded);
      } catch {
        // keep the plain name
      }
    }
    return { blob: await response.blob(), name };
  }

  document(collection: string, id: number | string): Promise<{ document: DocumentRecord; chunks: ChunkRecord[]; source?: DocumentSourceActions }> {
    return this.request('GET', `/v1/collections/${enc(collection)}/documents/${enc(String(id))}`);
  }

  deleteDocument(collection: string, id: number | string): Promise<{ removed: { id: number; uri: string }[] }> {
    return this.request('DELETE', `/v1/collections/${enc(collection)}/documents/${enc(String(id))}`);
  }

  reingestDocument(collection: string, id: number | string): Promise<{ job: Job }> {
    return this.request('POST', `/v1/collections/${enc(collection)}/documents/${enc(String(id))}/reingest`, {});
  }

  /** Multipart upload; `path` is the name the server sees (a folder's relative path keeps its structure). */
  upload(collection: string, files: readonly { file: File; path: string }[], tags?: string): Promise<{ job: Job }> {
    const form = new FormData();
    if (tags) form.append('tags', tags);
    for (const { file, path } of files) form.append('file', file, path);
    return this.request('POST', `/v1/collections/${enc(collection)}/documents`, form);
  }

  addSource(collection: string, source: { path: string } | { git: string } | { crawl: { url: string; maxPages?: number } }, tags?: string[]): Promise<{ job: Job }> {
    return this.request('POST', `/v1/collections/${enc(collection)}/documents`, { ...source, ...(tags && tags.length > 0 ? { tags } : {}) });
  }

  jobs(query: { status?: string; collection?: string; limit?: number; cursor?: string } = {}): Promise<Page<Job>> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return this.request('GET', `/v1/jobs?${params}`);
  }

  cancelJob(id: string): Promise<Job> {
    return this.request('POST', `/v1/jobs/${enc(id)}/cancel`, {});
  }

  /** Follows `/v1/events` (all jobs) until `signal` aborts, reconnecting with Last-Event-ID. */
  followEvents(signal: AbortSignal, onEvent: (event: SseEvent) => void, onError?: (error: unknown) => void): Promise<void> {
    return followSse({ url: `${this.base}/v1/events`, headers: this.headers(), signal, onEvent, onError });
  }

  search(request: SearchRequest, signal?: AbortSignal): Promise<SearchResponse> {
    return this.request('POST', '/v1/search', request, signal);
  }

  /** `POST /v1/ask` as an event stream (`sources`, `notice`, `text-delta`, `finish`, `error`). */
  ask(collection: string, question: string, options: AskOptions, signal: AbortSignal): AsyncGenerator<SseEvent> {
    return fetchSse({ url: `${this.base}/v1/ask`, method: 'POST', headers: this.headers(), body: { collection, question, ...options, stream: true }, signal });
  }

  /** The caller's own sessions, or (`all`, admin keys) every key's. */
  chatSessions(options: { cursor?: string; all?: boolean } = {}): Promise<Page<ChatSession>> {
    return this.request('GET', `/v1/chat/sessions?limit=100${options.all ? '&owner=all' : ''}${options.cursor ? `&cursor=${enc(options.cursor)}` : ''}`);
  }

  chatSession(id: string): Promise<{ session: ChatSession; messages: ChatMessage[] }> {
    return this.request('GET', `/v1/chat/sessions/${enc(id)}`);
  }

  createChatSession(collection: string, title?: string): Promise<ChatSession> {
    return this.request('POST', '/v1/chat/sessions', { collection, ...(title ? { title } : {}) });
  }

  renameChatSession(id: string, title: string): Promise<ChatSession> {
    return this.request('PATCH', `/v1/chat/sessions/${enc(id)}`, { title });
  }

  deleteChatSession(id: string): Promise<void> {
    return this.request('DELETE', `/v1/chat/sessions/${enc(id)}`);
  }

  /** A follow-up in a stored session: the same event stream as `ask`, the turn kept by the server. */
  sendChatMessage(id: string, question: string, options: AskOptions, signal: AbortSignal): AsyncGenerator<SseEvent> {
    return fetchSse({ url: `${this.base}/v1/chat/sessions/${enc(id)}/messages`, method: 'POST', headers: this.headers(), body: { question, ...options, stream: true }, signal });
  }

  scalingBenchmark(body: { collection: string; query?: string; mode?: SearchMode; maxConcurrency?: number; durationMs?: number }, signal?: AbortSignal): Promise<ScalingResult> {
    return this.request('POST', '/v1/benchmarks/scaling', body, signal);
  }

  analytics(query: { days?: number; collection?: string; limit?: number } = {}, signal?: AbortSignal): Promise<AnalyticsReport> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    return this.request('GET', `/v1/analytics?${params}`, undefined, signal);
  }

  /**
   * `/readyz`: 200 when ready, 503 (same body) when the store does not answer. Public, but its details
   * (store location, models, LLM endpoints) come only with an admin key; other keys get the status alone.
   */
  async readiness(): Promise<Readiness | ReadinessStatus> {
    const response = await fetch(`${this.base}/readyz`, { headers: this.headers({ accept: 'application/json' }), cache: 'no-store' });
    if (response.status !== 200 && response.status !== 503) throw await apiErrorFromResponse(response);
    return (await response.json()) as Readiness | ReadinessStatus;
  }
}
