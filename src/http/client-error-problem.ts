import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem-details.js';

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any route sees the request
 * (headers too large, a malformed request line, a request that took too long to arrive) is answered
 * with a problem document like every other 4xx, then the connection is closed.
 */
export function writeClientErrorProblem(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const problem: ProblemDetails = {
    type: 'urn:cairn:error:INPUT_INVALID',
    title: 'Input invalid',
    status,
    detail:
      status === 431
        ? 'The request headers are larger than the server accepts.'
        : status === 408
          ? 'The request did not arrive in time.'
          : 'The request is not valid HTTP.',
    code: 'INPUT_INVALID',
    hint: status === 431 ? 'Send smaller headers (an API key is about 50 characters).' : 'Send a complete HTTP/1.1 request.',
  };
  const body = JSON.stringify(problem);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
