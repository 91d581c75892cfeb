#!/usr/bin/env node
// The container image's HEALTHCHECK (Dockerfile): exits 0 when the Cairn process of this container
// answers GET /healthz with 200 within 4 s, else 1 (Docker's "unhealthy" after its retries). Node runs
// it because the slim base image has no curl or wget.
//
// `cairn serve` listens on CAIRN_PORT (default 7700), `cairn worker` on CAIRN_WORKER_PORT (default
// 7701); one container runs one of them, so either answering is healthy. CAIRN_HEALTHCHECK_URL
// replaces both (a process started with another --port).
const TIMEOUT_MS = 4_000;

const port = (value, fallback) => (value && /^\d+$/.test(value) ? value : fallback);
const urls = process.env.CAIRN_HEALTHCHECK_URL
  ? [process.env.CAIRN_HEALTHCHECK_URL]
  : [port(process.env.CAIRN_PORT, '7700'), port(process.env.CAIRN_WORKER_PORT, '7701')].map((p) => `http://127.0.0.1:${p}/healthz`);

async function probe(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 200 ? null : `${url}: HTTP ${response.status}`;
  } catch (error) {
    return `${url}: ${error.cause?.code ?? error.name ?? error}`;
  }
}

const failures = await Promise.all(urls.map(probe));
const healthy = urls.find((_, index) => failures[index] === null);
// Docker keeps this output in `docker inspect` (State.Health.Log).
if (healthy) process.stdout.write(`healthy: ${healthy}\n`);
else process.stdout.write(`unhealthy: ${failures.join('; ')}\n`);
process.exit(healthy ? 0 : 1);
