import { PassThrough, Readable } from 'node:stream';
import { main } from '../cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `cairn …` in-process under `home` (lexical only, offline, no language model) with `input` on
 * standard input; `tty` makes standard input, output and error claim to be a terminal (prompts, progress
 * lines and styles check that); `env` adds to the environment.
 */
export async function runCairn(home: string, args: string[], options: { input?: string; tty?: boolean; env?: Record<string, string> } = {}): Promise<CliRun> {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stdin = Object.assign(Readable.from([options.input ?? '']), { isTTY: options.tty === true });
  const env = { CAIRN_HOME: home, CAIRN_EMBEDDER: 'none', CAIRN_OFFLINE: '1', CAIRN_RERANKER: 'none', CAIRN_LLM_DISCOVER: '0', ...options.env };
  // Commands report some outcomes through process.exitCode (main returns it): one run's must not leak into the next, nor into the test process's own exit.
  process.exitCode = undefined;
  const code = await main(['node', 'cairn', ...args], { stdout, stderr, env, cwd: home, stdin });
  process.exitCode = undefined;
  return { code, stdout: out, stderr: err };
}
