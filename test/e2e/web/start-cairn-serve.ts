import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../../src/testing/shared-data.js';
import { waitUntil } from './wait-until.js';

export interface CairnServe {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The admin key printed by the first start of a fresh home; '' on later starts. */
  readonly adminKey: string;
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Starts the real binary (`bin/cairn.js serve --port 0`, which runs `dist/`) with exactly `env` (plus
 * PATH and HOME) and resolves once it has printed its URL and, on a fresh home, the admin key.
 */
export async function startCairnServe(env: Record<string, string>, startTimeoutMs = 60_000): Promise<CairnServe> {
  const child = spawn(process.execPath, [`${REPO_ROOT}/bin/cairn.js`, 'serve', '--port', '0'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));

  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(killer);
    }
  };

  try {
    await waitUntil(
      () => {
        if (exitCode !== undefined) throw new Error(`cairn serve exited (${exitCode}) before listening; stderr:\n${output.stderr}`);
        return /listening on http:\/\/127\.0\.0\.1:\d+\n/.test(output.stdout);
      },
      { timeoutMs: startTimeoutMs, what: () => `cairn serve to print its URL; stdout:\n${output.stdout}\nstderr:\n${output.stderr}` },
    );
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout)![1]!;
    // The key line follows the URL once the key is stored; a home that already has keys prints none,
    // so wait for it only briefly past the readiness probe.
    await waitUntil(async () => (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)), { timeoutMs: startTimeoutMs, what: () => `${url}/healthz to answer` });
    await waitUntil(() => /admin API key .*\n/.test(output.stdout), { timeoutMs: 5_000, what: () => 'the admin key line' }).catch(() => undefined);
    const adminKey = /admin API key \(shown once, store it\): (cairn_\S+)\n/.exec(output.stdout)?.[1] ?? '';
    return { url, adminKey, child, output, stop };
  } catch (error) {
    await stop(2_000);
    throw error;
  }
}
