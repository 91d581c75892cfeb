import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from '../../src/testing/shared-data.js';

export interface CairnServe {
  /** `http://127.0.0.1:<port>` (the `--host` address when one is given) */
  readonly url: string;
  /** The admin key printed by the first start of a fresh home; '' on later starts. */
  readonly adminKey: string;
  readonly child: ChildProcess;
  /** Everything the process wrote so far (kept up to date). */
  readonly output: { stdout: string; stderr: string };
  /** Resolves when the process exits, however it was stopped. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartCairnServeOptions {
  /** Working directory of the process; default the repository root. */
  cwd?: string;
  /** How long the start may take before the test fails; default 60 s (a loaded CI machine). */
  startTimeoutMs?: number;
  /** More arguments after `serve --port 0` (for example `--no-jobs`, `--host 10.0.0.2`). */
  args?: string[];
  /** A command prefix the process runs under (`ip netns exec <ns>` puts it on another network host). */
  wrap?: string[];
}

const DOCS_LINE = /API docs: \S+\n/;
const URL_LINE = /listening on (http:\/\/[^\s/]+:\d+)/;
const KEY_LINE = /admin API key \(shown once, store it\): (cairn_\S+)\n/;

/**
 * Starts the real binary (`bin/cairn.js serve --port 0`, which runs `dist/`) with exactly `env` (plus
 * PATH, and HOME = CAIRN_HOME) and resolves once it has printed its URLs. `cairn serve` prints the URL
 * lines and, on a fresh home, the admin key in one write, so the key is known by then.
 */
export async function startCairnServe(env: Record<string, string>, options: StartCairnServeOptions = {}): Promise<CairnServe> {
  const { cwd = REPO_ROOT, startTimeoutMs = 60_000, args = [], wrap = [] } = options;
  const argv = [process.execPath, `${REPO_ROOT}/bin/cairn.js`, 'serve', '--port', '0', ...args];
  const child = spawn(wrap[0] ?? argv[0]!, [...wrap.slice(1), ...(wrap.length > 0 ? argv : argv.slice(1))], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: env.CAIRN_HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  let exitCode: number | null | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exitCode = code;
      resolve({ code, signal });
    }),
  );
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));

  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return (await exited).code;
    } finally {
      clearTimeout(killer);
    }
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`cairn serve printed no URL in ${startTimeoutMs} ms; stdout:\n${output.stdout}\nstderr:\n${output.stderr}`)),
        startTimeoutMs,
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        output.stdout += chunk.toString();
        if (DOCS_LINE.test(output.stdout)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`cairn serve exited (${code}) before listening; stderr:\n${output.stderr}`));
      });
    });
    const url = URL_LINE.exec(output.stdout)![1]!;
    const adminKey = KEY_LINE.exec(output.stdout)?.[1] ?? '';
    return { url, adminKey, child, output, exited, stop };
  } catch (error) {
    await stop(2_000);
    throw error;
  }
}
