import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running token-checking proxy. */
export interface TokenProxy {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Requests refused so far (wrong or missing token). */
  readonly refused: () => number;
  close(): Promise<void>;
}

/**
 * What a Chroma 1.x deployment puts in front of the server, since the server checks no token: a
 * reverse proxy on loopback that forwards a request only when it carries the token in the configured
 * header (`Authorization: Bearer <token>` or `X-Chroma-Token: <token>`) and answers 401 otherwise.
 */
export async function startTokenProxy(options: { target: string; token: string; header: 'Authorization' | 'X-Chroma-Token' }): Promise<TokenProxy> {
  const target = new URL(options.target);
  let refused = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const sent = options.header === 'Authorization' ? incoming.headers.authorization : incoming.headers['x-chroma-token'];
    const expected = options.header === 'Authorization' ? `Bearer ${options.token}` : options.token;
    if (sent !== expected) {
      refused += 1;
      incoming.resume();
      outgoing.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Unauthorized","message":"missing or wrong token"}');
      return;
    }
    const forwarded = request(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target.host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.destroy();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused: () => refused,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
