import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A throwaway server speaking the S3 wire protocol for tests: `s3rver` (a devDependency, pure
 * JavaScript, files on disk) in its own process on a free loopback port with a temporary folder and one
 * bucket, killed and removed when the test process exits. It checks SigV4 signatures against its fixed
 * key pair (ACCESS_KEY_ID / SECRET_ACCESS_KEY below).
 *
 * Availability: outside CI a missing package makes `startS3()` answer null and tests skip with
 * S3_MISSING; under `CI=true` it throws, so a green CI means the S3 store really ran.
 */
export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  dispose(): Promise<void>;
}

export const S3_MISSING = 'skipped: no S3-compatible test server (npm install — the s3rver devDependency brings it; .ci/run does this)';

const CLI = join(process.cwd(), 'node_modules', 's3rver', 'bin', 's3rver.js');
const START_TIMEOUT_MS = 30_000;
const BUCKET = 'cairn-test';

let shared: Promise<S3Server | null> | undefined;

/** The test process's server, started on first use and shared (tests use distinct upload ids or prefixes). */
export function startS3(): Promise<S3Server | null> {
  shared ??= startPrivateS3();
  return shared;
}

export async function startPrivateS3(): Promise<S3Server | null> {
  try {
    return await startServer();
  } catch (error) {
    if (process.env.CI === 'true') throw error;
    return null;
  }
}

async function startServer(): Promise<S3Server> {
  if (!existsSync(CLI)) throw new Error(`The s3rver package is missing (${CLI}): ${S3_MISSING}`);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-s3-'));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(process.execPath, [CLI, '-d', dir, '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', BUCKET], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.unref();
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    (stream as unknown as { unref?: () => void } | null)?.unref?.();
    stream?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
  }
  const cleanup = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanup);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with ${child.exitCode}: ${output}`);
    // Any HTTP answer (403 without a signature) means it listens.
    const answered = await fetch(endpoint, { signal: AbortSignal.timeout(1000) }).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (Date.now() > deadline) {
      cleanup();
      throw new Error(`s3rver did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint,
    bucket: BUCKET,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async dispose() {
      process.removeListener('exit', cleanup);
      cleanup();
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
