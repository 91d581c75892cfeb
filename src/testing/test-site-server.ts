import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer of the test site. */
export interface TestRoute {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Answer 304 when the request's If-None-Match equals this, else send it as the ETag header. */
  etag?: string;
  /** Stream this many bytes of filler without a Content-Length (a huge page); the stream stops when the client goes away. */
  streamBytes?: number;
}

export interface TestSiteRequest {
  /** The request target: path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
}

/** A web site on 127.0.0.1 for crawl tests: a route table that can change between crawls, and a log of every request. */
export interface TestSite {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly routes: Map<string, TestRoute>;
  readonly requests: TestSiteRequest[];
  /** Paths requested, in order. */
  paths(): string[];
  close(): Promise<void>;
}

const FILLER = Buffer.alloc(64 * 1024, '<p>filler text of a page far too large to index</p>\n');

/** Serves `routes` by request target (path and query); anything else answers 404. */
export async function startTestSite(routes: Record<string, TestRoute> = {}): Promise<TestSite> {
  const table = new Map(Object.entries(routes));
  const requests: TestSiteRequest[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    const route = table.get(path);
    const status = route === undefined ? 404 : route.etag !== undefined && request.headers['if-none-match'] === route.etag ? 304 : (route.status ?? 200);
    requests.push({ path, headers: request.headers, status });
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
      return;
    }
    const headers = { ...(route.etag === undefined ? {} : { etag: route.etag }), ...route.headers };
    if (status === 304) {
      response.writeHead(304, headers).end();
      return;
    }
    if (route.streamBytes !== undefined) {
      response.writeHead(status, headers);
      streamFiller(response, route.streamBytes);
      return;
    }
    response.writeHead(status, headers).end(route.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    routes: table,
    requests,
    paths: () => requests.map((request) => request.path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function streamFiller(response: ServerResponse, total: number): void {
  let sent = 0;
  const write = () => {
    while (sent < total && !response.destroyed) {
      sent += FILLER.length;
      if (!response.write(FILLER)) {
        response.once('drain', write);
        return;
      }
    }
    if (!response.destroyed) response.end();
  };
  response.on('close', () => {
    sent = total;
  });
  write();
}
