import { apiErrorFromResponse } from './api-error.js';
import { fetchSse, followSse } from './sse-stream.js';
import type { SseEvent } from './sse-parser.js';
import type {
  ChatMessage,
  ChatSession,
  Collection,
  DocumentPage,
  DocumentRecord,
  ChunkRecord,
  DocumentSort,
  Job,
  Page,
  Readiness,
  ScalingResult,
  SearchMode,
  SearchResponse,
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
  filter?: { pathPrefix?: string; pathGlob?: string; language?: string[]; fileType?: string[]; tags?: string[]; modifiedAfter?: string; modifiedBefore?: string };
}

const enc = encodeURIComponent;

/** Typed client of the public `/v1` API. Every call sends the `Authorization` the person logged in with. */
export class ApiClient {
  constructor(
    private readonly authorization: string,
    private readonly base = '',
  ) {}

  private headers(extra?: Record<string, string>): Record<string, string> {
    return { authorization: this.authorization, ...extra };
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

  document(collection: string, id: number | string): Promise<{ document: DocumentRecord; chunks: ChunkRecord[] }> {
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

  chatSessions(cursor?: string): Promise<Page<ChatSession>> {
    return this.request('GET', `/v1/chat/sessions?limit=100${cursor ? `&cursor=${enc(cursor)}` : ''}`);
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

  /** `/readyz` is public: 200 when ready, 503 (same body) when the store does not answer. */
  async readiness(): Promise<Readiness> {
    const response = await fetch(`${this.base}/readyz`, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (response.status !== 200 && response.status !== 503) throw await apiErrorFromResponse(response);
    return (await response.json()) as Readiness;
  }
}
