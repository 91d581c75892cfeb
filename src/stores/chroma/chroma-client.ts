import { CairnError } from '../../core/cairn-error.js';

export interface ChromaClientOptions {
  /** Base URL without a trailing slash (`http://127.0.0.1:8000`). */
  url: string;
  tenant: string;
  database: string;
  token?: string;
  tokenHeader: 'Authorization' | 'X-Chroma-Token';
  /** Longest wait for one request unless the call names its own, in ms. */
  timeoutMs: number;
}

/** A Chroma collection as the v2 API describes it (the fields Cairn reads). */
export interface ChromaCollection {
  id: string;
  name: string;
  metadata: Record<string, unknown> | null;
  configuration_json?: Record<string, unknown>;
}

export interface ChromaQueryResult {
  ids: string[][];
  distances: (number | null)[][] | null;
  metadatas: (Record<string, unknown> | null)[][] | null;
}

export interface ChromaGetResult {
  ids: string[];
  embeddings: number[][] | null;
  documents: (string | null)[] | null;
  metadatas: (Record<string, unknown> | null)[] | null;
}

interface RequestOptions {
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Answer undefined instead of throwing on 404. */
  allowMissing?: boolean;
}

/**
 * A small client of Chroma's HTTP API v2 (Chroma 1.x; 0.6 servers answer the same paths): only what the
 * vector index, health checks and the importer use. Every failure is a CairnError: no answer or a
 * timeout is VECTOR_STORE_UNAVAILABLE (retryable), 401/403 VECTOR_STORE_UNAUTHORIZED naming the token
 * settings, any other error status VECTOR_STORE_FAILED carrying Chroma's message. The token, when set,
 * is sent on every request in the configured header. See docs/decisions/0031-chroma.md.
 */
export class ChromaClient {
  readonly #options: ChromaClientOptions;
  readonly #headers: Record<string, string>;
  /** Whether the server takes embeddings as base64 float32 (Chroma ≥ 1.0's pre-flight checks say so), asked once. */
  #base64: Promise<boolean> | undefined;

  constructor(options: ChromaClientOptions) {
    this.#options = { ...options, url: options.url.replace(/\/+$/, '') };
    this.#headers = { 'content-type': 'application/json' };
    if (options.token !== undefined) {
      if (options.tokenHeader === 'Authorization') this.#headers.authorization = `Bearer ${options.token}`;
      else this.#headers['x-chroma-token'] = options.token;
    }
  }

  /** The base URL without any user:password in it (for status output and messages). */
  get url(): string {
    return this.#options.url.replace(/\/\/[^/@]*@/, '//');
  }

  async heartbeat(timeoutMs?: number): Promise<number> {
    const body = (await this.#request('GET', '/api/v2/heartbeat', timeoutMs === undefined ? {} : { timeoutMs })) as Record<string, number>;
    return body['nanosecond heartbeat'] ?? 0;
  }

  async version(timeoutMs?: number): Promise<string> {
    return String(await this.#request('GET', '/api/v2/version', timeoutMs === undefined ? {} : { timeoutMs }));
  }

  async getCollection(name: string): Promise<ChromaCollection | undefined> {
    return (await this.#request('GET', `${this.#base()}/collections/${encodeURIComponent(name)}`, { allowMissing: true })) as ChromaCollection | undefined;
  }

  async createCollection(name: string, configuration: Record<string, unknown>, metadata: Record<string, unknown>): Promise<ChromaCollection> {
    return (await this.#request('POST', `${this.#base()}/collections`, { body: { name, configuration, metadata, get_or_create: true } })) as ChromaCollection;
  }

  async listCollections(limit: number, offset: number): Promise<ChromaCollection[]> {
    return (await this.#request('GET', `${this.#base()}/collections?limit=${limit}&offset=${offset}`)) as ChromaCollection[];
  }

  /** Deletes by name; false when there was none. */
  async deleteCollection(name: string): Promise<boolean> {
    const answer = await this.#request('DELETE', `${this.#base()}/collections/${encodeURIComponent(name)}`, { allowMissing: true });
    return answer !== undefined;
  }

  async count(id: string): Promise<number> {
    return Number(await this.#request('GET', `${this.#base()}/collections/${id}/count`));
  }

  /**
   * Embeddings go as base64 of little-endian float32 when the server takes them (a third of the bytes
   * of JSON numbers and no float-to-text conversion on either side), else as JSON arrays (Chroma 0.5/0.6).
   */
  async upsert(id: string, records: { ids: string[]; embeddings: (Float32Array | number[])[]; metadatas: Record<string, unknown>[]; documents?: string[] }): Promise<void> {
    const embeddings = (await this.#supportsBase64())
      ? records.embeddings.map((vector) => float32Base64(vector instanceof Float32Array ? vector : Float32Array.from(vector)))
      : records.embeddings.map((vector) => Array.from(vector));
    await this.#request('POST', `${this.#base()}/collections/${id}/upsert`, { body: { ...records, embeddings } });
  }

  async update(id: string, records: { ids: string[]; metadatas: Record<string, unknown>[] }): Promise<void> {
    await this.#request('POST', `${this.#base()}/collections/${id}/update`, { body: records });
  }

  async delete(id: string, ids: string[]): Promise<void> {
    await this.#request('POST', `${this.#base()}/collections/${id}/delete`, { body: { ids } });
  }

  async get(id: string, options: { limit: number; offset: number; include: string[]; ids?: string[] }): Promise<ChromaGetResult> {
    return (await this.#request('POST', `${this.#base()}/collections/${id}/get`, { body: options })) as ChromaGetResult;
  }

  async query(
    id: string,
    request: { embedding: number[]; n: number; where?: Record<string, unknown>; include: string[] },
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ChromaQueryResult> {
    const body: Record<string, unknown> = { query_embeddings: [request.embedding], n_results: request.n, include: request.include };
    if (request.where !== undefined) body.where = request.where;
    return (await this.#request('POST', `${this.#base()}/collections/${id}/query`, { ...options, body })) as ChromaQueryResult;
  }

  #supportsBase64(): Promise<boolean> {
    this.#base64 ??= this.#request('GET', '/api/v2/pre-flight-checks', { allowMissing: true }).then(
      (answer) => (answer as { supports_base64_encoding?: boolean } | undefined)?.supports_base64_encoding === true,
      (error: unknown) => {
        this.#base64 = undefined;
        throw error;
      },
    );
    return this.#base64;
  }

  #base(): string {
    return `/api/v2/tenants/${encodeURIComponent(this.#options.tenant)}/databases/${encodeURIComponent(this.#options.database)}`;
  }

  async #request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.#options.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const where = `the Chroma server at ${this.url}`;
    let response: Response;
    try {
      response = await fetch(`${this.#options.url}${path}`, {
        method,
        headers: this.#headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      const why = timeout.aborted ? `did not answer within ${timeoutMs} ms` : `cannot be reached (${causeText(error)})`;
      throw new CairnError('VECTOR_STORE_UNAVAILABLE', `The vector store: ${where} ${why}.`, {
        cause: error,
        retryable: true,
        retryAfterSeconds: 5,
        hint: 'Start the Chroma server or fix vectorStore.url (CAIRN_VECTOR_STORE=chroma:http://host:8000); searches carry on lexically meanwhile.',
      });
    }
    const text = await response.text().catch(() => '');
    if (response.status === 404 && options.allowMissing) return undefined;
    if (response.status === 401 || response.status === 403) {
      throw new CairnError('VECTOR_STORE_UNAUTHORIZED', `The vector store refused the token: ${where} answered ${response.status}.`, {
        hint:
          this.#options.token === undefined
            ? 'Set vectorStore.token (CAIRN_VECTOR_STORE_TOKEN) to the token the Chroma server or its proxy expects.'
            : `Check vectorStore.token (CAIRN_VECTOR_STORE_TOKEN), and vectorStore.tokenHeader: it is sent as ${this.#options.tokenHeader}; the server may expect ${this.#options.tokenHeader === 'Authorization' ? 'X-Chroma-Token' : 'Authorization'}.`,
      });
    }
    if (!response.ok) {
      throw new CairnError('VECTOR_STORE_FAILED', `The vector store failed: ${where} answered ${response.status} to ${method} ${path.replace(/\?.*$/, '')}: ${chromaMessage(text)}`, {
        hint: 'See the Chroma server log; `cairn index rebuild` repopulates the vector store from Cairn\'s own store.',
      });
    }
    if (text === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new CairnError('VECTOR_STORE_FAILED', `The vector store: ${where} answered something that is not JSON to ${method} ${path}.`, {
        hint: 'Check that vectorStore.url points at a Chroma server (its /api/v2/heartbeat answers).',
      });
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The vector's float32 bytes, little-endian, in base64 (Chroma's `supports_base64_encoding` format). */
function float32Base64(vector: Float32Array): string {
  let bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (!LITTLE_ENDIAN) bytes = Buffer.from(bytes).swap32();
  return bytes.toString('base64');
}

function chromaMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string; message?: string };
    return [body.error, body.message].filter(Boolean).join(': ').slice(0, 500) || text.slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
