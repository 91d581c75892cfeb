import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInRerankServer {
  /** Base URL for a reranker spec: `http:${baseUrl}#<model>` (requests go to `${baseUrl}/rerank`). */
  baseUrl: string;
  /** Requests answered (the probe included). */
  requests: number;
  close(): Promise<void>;
}

/**
 * A stand-in for a vLLM / Jina `/v1/rerank` server, speaking its real wire protocol:
 * `POST /v1/rerank { model, query, documents: string[], top_n }` → `{ id, model, results: [{ index, document: { text }, relevance_score }] }`
 * with one result per document, in input order. The scores come from `score(query, document)`, so a
 * test can plant a reranker that knows the answers (scores from the qrels) or one that knows nothing.
 * Listens on 127.0.0.1, a free port.
 */
export async function startStandInRerankServer(score: (query: string, document: string) => number): Promise<StandInRerankServer> {
  const state = { requests: 0 };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const reply = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (request.method !== 'POST' || request.url !== '/v1/rerank') return reply(404, { error: `no route ${request.method} ${request.url}` });
      let body: { model?: unknown; query?: unknown; documents?: unknown };
      try {
        body = JSON.parse(raw) as typeof body;
      } catch {
        return reply(400, { error: 'body is not JSON' });
      }
      if (typeof body.model !== 'string' || typeof body.query !== 'string' || !Array.isArray(body.documents)) {
        return reply(400, { error: 'model, query and documents are required' });
      }
      state.requests++;
      const query = body.query;
      const results = (body.documents as string[]).map((text, index) => ({ index, document: { text }, relevance_score: score(query, text) }));
      return reply(200, { id: `rerank-${state.requests}`, model: body.model, usage: { total_tokens: 0 }, results });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
