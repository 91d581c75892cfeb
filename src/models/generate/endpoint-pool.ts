import type { EndpointStatus } from './language-model.js';
import { CircuitBreaker } from './circuit-breaker.js';

/** One base URL of the pool. `baseUrl` may change once when a base without a version segment is upgraded to `/v1`. */
export interface Endpoint {
  readonly configuredUrl: string;
  baseUrl: string;
  readonly breaker: CircuitBreaker;
}

export interface EndpointPoolOptions {
  urls: string[];
  breakerFailures: number;
  breakerCooldownMs: number;
  now?: () => number;
}

/**
 * Several base URLs serving one model. `acquire` walks the endpoints round-robin from where the last
 * call left off and returns the first whose breaker admits a request, preferring endpoints that have not
 * failed yet in the caller's request (`failed`); it returns null when every breaker refuses.
 */
export class EndpointPool {
  readonly endpoints: readonly Endpoint[];
  private cursor = 0;

  constructor(options: EndpointPoolOptions) {
    if (options.urls.length === 0) throw new Error('EndpointPool needs at least one URL');
    this.endpoints = options.urls.map((url) => {
      const baseUrl = url.replace(/\/+$/, '');
      const breakerOptions = { failures: options.breakerFailures, cooldownMs: options.breakerCooldownMs };
      return { configuredUrl: baseUrl, baseUrl, breaker: new CircuitBreaker(options.now ? { ...breakerOptions, now: options.now } : breakerOptions) };
    });
  }

  acquire(failed: ReadonlySet<Endpoint> = new Set()): Endpoint | null {
    const count = this.endpoints.length;
    for (const allowRepeat of [false, true]) {
      for (let step = 0; step < count; step += 1) {
        const index = (this.cursor + step) % count;
        const endpoint = this.endpoints[index];
        if (!endpoint || (!allowRepeat && failed.has(endpoint))) continue;
        if (!endpoint.breaker.tryAcquire()) continue;
        this.cursor = (index + 1) % count;
        return endpoint;
      }
    }
    return null;
  }

  statuses(): EndpointStatus[] {
    return this.endpoints.map((endpoint) => {
      const status = endpoint.breaker.status();
      const base = { url: endpoint.baseUrl, state: status.state, consecutiveFailures: status.consecutiveFailures };
      return status.retryAt === undefined ? base : { ...base, retryAt: new Date(status.retryAt).toISOString() };
    });
  }
}
