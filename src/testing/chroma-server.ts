import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway Chroma server for tests: the `chroma` CLI of the `chromadb` npm package (a devDependency,
 * the Rust server in its native bindings) on a free loopback port with a temporary data directory,
 * stopped and removed when the test process exits.
 *
 * Availability: outside CI a missing package makes `startChroma()` answer null and tests skip with
 * CHROMA_MISSING; under `CI=true` it throws, so a green CI means Chroma really ran.
 */
export interface ChromaServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL with `hard`), keeping its data. */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and removes its data (also done at process exit). */
  dispose(): Promise<void>;
}

export const CHROMA_MISSING =
  'skipped: the Chroma server is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install — the chromadb devDependency brings it; .ci/run does this)';

const CLI = join(process.cwd(), 'node_modules', 'chromadb', 'dist', 'cli.mjs');
const START_TIMEOUT_MS = 60_000;

let shared: Promise<ChromaServer | null> | undefined;

/** The test process's server, started on first use and shared (tests use distinct collection names or prefixes). */
export function startChroma(): Promise<ChromaServer | null> {
  shared ??= startPrivateChroma();
  return shared;
}

/** A server of its own (for tests that stop and restart it under a running process). */
export async function startPrivateChroma(): Promise<ChromaServer | null> {
  try {
    return await startServer();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return null;
  }
}

async function startServer(): Promise<ChromaServer> {
  if (!existsSync(CLI)) throw new Error(`The chromadb package is missing (${CLI}): ${CHROMA_MISSING}`);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-chroma-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';
  const stop = async (hard = false) => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(hard ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const start = async () => {
    output = '';
    const spawned = spawn(process.execPath, [CLI, 'run', '--path', join(dir, 'data'), '--host', '127.0.0.1', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ANONYMIZED_TELEMETRY: 'False' },
    });
    child = spawned;
    // A shared server must not keep the test process alive; the exit handler kills it.
    spawned.unref();
    for (const stream of [spawned.stdout, spawned.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (spawned.exitCode !== null) throw new Error(`Chroma exited with ${spawned.exitCode}: ${output}`);
      try {
        const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stop(true);
    throw new Error(`Chroma did not answer on ${url} within ${START_TIMEOUT_MS} ms: ${output}`);
  };
  const cleanup = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  await start();
  return {
    url,
    port,
    stop,
    start,
    async dispose() {
      await stop();
      process.removeListener('exit', cleanup);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
