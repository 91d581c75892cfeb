import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenerRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface RecordingListener {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Every request received, in order (SSRF tests assert it stays empty). */
  readonly requests: ListenerRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 (any free port) standing for a host a caller should not be able to
 * reach: it records every request. `POST …/embeddings` is answered in the OpenAI format with 4-d
 * vectors, so a permitted embedder works against it; anything else gets `{}`.
 */
export async function startRecordingListener(): Promise<RecordingListener> {
  const requests: ListenerRequest[] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    request.on('end', () => {
      requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', headers: request.headers });
      if (request.method === 'POST' && (request.url ?? '').endsWith('/embeddings')) {
        let input: unknown[] = [];
        try {
          const body = JSON.parse(raw) as { input?: unknown };
          input = Array.isArray(body.input) ? body.input : [body.input];
        } catch {
          // not JSON: one vector
        }
        const data = input.map((_, index) => ({ index, embedding: [1, index + 1, 0.5, 0.25] }));
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
