import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../src/testing/shared-data.js';

export interface CairnWorker {
  /** `http://127.0.0.1:<port>` of its /healthz, /readyz and /metrics. */
  readonly url: string;
  /** The id it holds job leases under (`<host>:<pid>:<random>`). */
  readonly owner: string;
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const READY_LINE = /Cairn worker (\S+) running[^\n]*\nHealth and metrics: (http:\/\/[^\s/]+:\d+)\/healthz/;

/**
 * Starts the real `bin/cairn.js worker` (with `args`, default `--port 0`; under the command prefix `wrap` if any) with exactly `env` (plus PATH
 * and HOME) and resolves once it runs jobs.
 */
export async function startCairnWorker(env: Record<string, string>, options: { args?: string[]; startTimeoutMs?: number; wrap?: string[] } = {}): Promise<CairnWorker> {
  const { args = ['--port', '0'], startTimeoutMs = 60_000, wrap = [] } = options;
  const argv = [process.execPath, `${REPO_ROOT}/bin/cairn.js`, 'worker', ...args];
  // `wrap`: a command prefix, as for startCairnServe (`ip netns exec <ns>`).
  const child = spawn(wrap[0] ?? argv[0]!, [...wrap.slice(1), ...(wrap.length > 0 ? argv : argv.slice(1))], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  try {
    const match = await new Promise<RegExpExecArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cairn worker did not start in ${startTimeoutMs} ms; stderr:\n${output.stderr}`)), startTimeoutMs);
      child.stdout!.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        const found = READY_LINE.exec(output.stdout);
        if (found) {
          clearTimeout(timer);
          resolve(found);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cairn worker exited (${code}) before it ran; stderr:\n${output.stderr}`));
      });
    });
    return { owner: match[1]!, url: match[2]!, child, output, exited };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
