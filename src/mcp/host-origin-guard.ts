import { CairnError } from '../core/cairn-error.js';

/** Names a local server is reached by, accepted on any port. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface HostOriginPolicy {
  /** `name` (any port) or `name:port`, lower case. */
  hosts: string[];
  /** Exact origins (`https://app.example`), lower case, no trailing slash. */
  origins: string[];
}

/** The policy of a server bound to `listenHost`: loopback names, the bound host (unless a wildcard) and the configured extras. */
export function hostOriginPolicy(listenHost: string, allowedHosts: readonly string[], allowedOrigins: readonly string[]): HostOriginPolicy {
  const bound = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  const wildcard = ['0.0.0.0', '[::]', '::'].includes(listenHost);
  const hosts = new Set([...LOOPBACK_NAMES, ...(wildcard ? [] : [bound]), ...allowedHosts].map((h) => h.toLowerCase()));
  return { hosts: [...hosts], origins: allowedOrigins.map((o) => o.toLowerCase().replace(/\/+$/, '')) };
}

function splitHost(value: string): { name: string; port: string | undefined } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value.trim().toLowerCase());
  return match ? { name: match[1]!, port: match[2] } : { name: '', port: undefined };
}

function hostAllowed(policy: HostOriginPolicy, value: string): boolean {
  const { name, port } = splitHost(value);
  if (name === '') return false;
  return policy.hosts.some((allowed) => allowed === name || (port !== undefined && allowed === `${name}:${port}`));
}

/**
 * DNS-rebinding defence of the MCP endpoint (MCP transport spec, "Security warning"): the Host
 * header must name this server, and an Origin header, when a browser sends one, must be one of the
 * allowed origins or an http(s) origin of an allowed host. Throws FORBIDDEN otherwise.
 */
export function assertHostAndOrigin(policy: HostOriginPolicy, host: string | undefined, origin: string | undefined): void {
  if (!host || !hostAllowed(policy, host)) {
    throw new CairnError('FORBIDDEN', `The Host header "${host ?? ''}" is not one this MCP endpoint answers to.`, {
      hint: 'Connect through localhost or the configured server host, or list the name in mcp.allowedHosts (cairn.config.json).',
    });
  }
  if (origin === undefined) return;
  const normalized = origin.toLowerCase().replace(/\/+$/, '');
  if (policy.origins.includes(normalized)) return;
  let parsed: URL | undefined;
  try {
    parsed = new URL(normalized);
  } catch {
    parsed = undefined;
  }
  if (parsed && (parsed.protocol === 'http:' || parsed.protocol === 'https:') && hostAllowed(policy, parsed.host)) return;
  throw new CairnError('FORBIDDEN', `Requests from the origin "${origin}" are not allowed at this MCP endpoint.`, {
    hint: 'List the origin in mcp.allowedOrigins (cairn.config.json) if a web page should reach the endpoint.',
  });
}
