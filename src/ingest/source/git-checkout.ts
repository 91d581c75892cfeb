import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '../../core/cairn-error.js';
import { redact, type CloneUrl } from './clone-url.js';

export interface GitOptions {
  /** git binary; default `git` from PATH. */
  git?: string;
  signal?: AbortSignal;
  /** Milliseconds for network operations (clone, fetch); default 10 minutes. */
  networkTimeoutMs?: number;
}

const LOCAL_TIMEOUT_MS = 30_000;
const NETWORK_TIMEOUT_MS = 600_000;
const STDERR_EXCERPT_CHARS = 600;

/**
 * Runs the system git without a terminal prompt (`GIT_TERMINAL_PROMPT=0`: a remote that needs
 * credentials fails at once instead of hanging) and returns its trimmed stdout. Failures become
 * GIT_FAILED carrying an excerpt of git's stderr, with credentials masked.
 */
export function runGit(args: string[], options: GitOptions & { cwd?: string; timeoutMs?: number }): Promise<string> {
  const binary = options.git ?? 'git';
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      {
        cwd: options.cwd,
        // The child inherits the user's environment (PATH, HOME, SSH agent) as any git call would.
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
        timeout: options.timeoutMs ?? LOCAL_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        signal: options.signal,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout.trim());
          return;
        }
        if (options.signal?.aborted === true) {
          reject(new CairnError('ABORTED', 'The operation was cancelled.', { cause: error }));
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(new CairnError('GIT_FAILED', `git was not found (tried "${binary}").`, {
            cause: error,
            hint: 'Install git (https://git-scm.com) and make sure it is on PATH.',
          }));
          return;
        }
        const timedOut = error.killed === true || (error as { signal?: string }).signal === 'SIGTERM';
        const excerpt = redact(String(stderr).trim()).slice(-STDERR_EXCERPT_CHARS);
        const command = `git ${args.map((arg) => redact(arg)).join(' ')}`;
        reject(new CairnError('GIT_FAILED', timedOut ? `${command} timed out.` : `${command} failed: ${excerpt || error.message}`, {
          cause: error,
          retryable: timedOut,
          hint: hintFor(excerpt, timedOut),
          details: { args: args.map((arg) => redact(arg)), stderr: excerpt, exitCode: typeof error.code === 'number' ? error.code : null },
        }));
      },
    );
  });
}

function hintFor(stderr: string, timedOut: boolean): string {
  if (timedOut) return 'The remote did not answer in time; check the network or try again.';
  if (/could not read Username|Authentication failed|terminal prompts disabled|Permission denied \(publickey/i.test(stderr)) {
    return 'The remote needs credentials: use an SSH URL with a loaded key, or a git credential helper.';
  }
  if (/Remote branch .* not found|couldn't find remote ref/i.test(stderr)) {
    return 'The #ref after the URL names no branch or tag of that repository.';
  }
  if (/not found|does not exist|does not appear to be a git repository/i.test(stderr)) {
    return 'Check the repository URL (and that you have access to it).';
  }
  if (/Could not resolve host|unable to access/i.test(stderr)) return 'Check the network connection and the host name.';
  return 'Run the git command shown yourself to see the full error.';
}

/** The commit checked out in the work tree at `directory`, or null when HEAD has no commit yet. */
export async function headCommit(directory: string, options: GitOptions): Promise<string | null> {
  try {
    return await runGit(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], { ...options, cwd: directory });
  } catch (error) {
    // `--verify --quiet` on an unborn HEAD exits 1 and prints nothing.
    if (error instanceof CairnError && error.details.exitCode === 1 && error.details.stderr === '') return null;
    throw error;
  }
}

/**
 * Makes `<cacheDir>/<cacheKey>` a shallow checkout of the remote's ref (default branch when none)
 * and returns its path and commit. First run: `git clone --depth 1 --single-branch` into a
 * temporary sibling, renamed into place only when complete, so an interrupted clone is never
 * mistaken for a usable one. Later runs: `git fetch --depth 1` of the same ref, then
 * `git reset --hard FETCH_HEAD` and `git clean -ffdx`. A cached folder that is not a healthy
 * checkout is removed and cloned again.
 */
export async function checkoutRemote(remote: CloneUrl, cacheDir: string, options: GitOptions): Promise<{ directory: string; commit: string }> {
  const directory = join(cacheDir, remote.cacheKey);
  const timeoutMs = options.networkTimeoutMs ?? NETWORK_TIMEOUT_MS;
  if (await isDirectory(directory)) {
    const healthy = await runGit(['rev-parse', '--is-inside-work-tree'], { ...options, cwd: directory }).then(
      (answer) => answer === 'true',
      () => false,
    );
    if (healthy) {
      await runGit(['remote', 'set-url', 'origin', remote.cloneUrl], { ...options, cwd: directory });
      await runGit(['fetch', '--depth', '1', '--no-tags', 'origin', remote.ref ?? 'HEAD'], { ...options, cwd: directory, timeoutMs });
      await runGit(['reset', '--hard', '--quiet', 'FETCH_HEAD'], { ...options, cwd: directory });
      await runGit(['clean', '-ffdxq'], { ...options, cwd: directory });
      return { directory, commit: await requireHead(directory, options) };
    }
    await rm(directory, { recursive: true, force: true });
  }
  await mkdir(cacheDir, { recursive: true });
  const temporary = `${directory}.partial-${randomBytes(4).toString('hex')}`;
  try {
    const branch = remote.ref === undefined ? [] : ['--branch', remote.ref];
    await runGit(['clone', '--depth', '1', '--single-branch', '--no-tags', '--quiet', ...branch, '--', remote.cloneUrl, temporary], { ...options, timeoutMs });
    await rename(temporary, directory);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    // Another run cloned the same remote meanwhile: its complete checkout is as good as ours.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  return { directory, commit: await requireHead(directory, options) };
}

async function requireHead(directory: string, options: GitOptions): Promise<string> {
  const commit = await headCommit(directory, options);
  if (commit === null) {
    throw new CairnError('GIT_FAILED', 'The cloned repository has no commit to read.', { hint: 'Push at least one commit to the repository, or name a ref with #branch.' });
  }
  return commit;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
