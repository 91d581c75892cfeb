import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A running stand-in for the Hugging Face hub (tests only; belongs in src/testing once that folder takes it). */
export interface FakeHub {
  /** `http://127.0.0.1:<port>`, usable as hfEndpoint. */
  endpoint: string;
  /** Request paths seen, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Serves `<root>/<owner>/<name>/<file>` at `/<owner>/<name>/resolve/main/<file>` with Content-Length,
 * 404 for anything else, and HTTP 503 for every path under `/broken/`.
 */
export async function startFakeHub(root: string): Promise<FakeHub> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const url = decodeURIComponent(request.url ?? '');
    requests.push(url);
    if (url.startsWith('/broken/')) {
      response.writeHead(503).end('upstream down');
      return;
    }
    const match = /^\/([^?]+?)\/resolve\/main\/([^?]+)$/.exec(url);
    const file = match && !url.includes('..') ? join(root, match[1] ?? '', match[2] ?? '') : '';
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404).end('Entry not found');
      return;
    }
    response.writeHead(200, { 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (connections are refused at once). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
