import assert from 'node:assert/strict';
import { after } from 'node:test';
import { isCairnError } from '../core/cairn-error.js';
import { closedPort } from './start-fake-hub.js';
import { startStandInLlmServer, type StandInLlmServer, type StandInLlmServerOptions } from './stand-in-llm-server.js';

/** Starts stand-in LLM servers for one test file and closes them all after it (call at module level). */
export function useStandInServers(): (options?: StandInLlmServerOptions) => Promise<StandInLlmServer> {
  const servers: StandInLlmServer[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));
  return async (options = {}) => {
    const server = await startStandInLlmServer(options);
    servers.push(server);
    return server;
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export function deadPort(): Promise<number> {
  return closedPort();
}

/** An OpenAI-style base URL on a port where nothing listens. */
export async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await closedPort()}/v1`;
}

/** Every part of a stream, in order. */
export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** An `assert.rejects` predicate: LLM_UNAVAILABLE whose last failure (cause and details) has `code`. */
export function unavailableBecause(code: string) {
  return (error: unknown): boolean => {
    assert.ok(isCairnError(error), String(error));
    assert.equal(error.code, 'LLM_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(isCairnError(error.cause) ? error.cause.code : undefined, code);
    assert.equal(error.details.lastErrorCode, code);
    return true;
  };
}
