import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, type DeepPartial } from '../config/load-config.js';
import type { CairnConfig } from '../config/config-schema.js';
import { openCairn } from '../app/open-cairn.js';
import type { CairnApp } from '../app/cairn-app.js';
import { packageVersion as corePackageVersion } from '../core/package-version.js';
import { renderDownloadProgress } from './progress-bar.js';

/** Global flags every command accepts (declared on the root program). */
export interface GlobalFlags {
  config?: string;
  home?: string;
  embedder?: string;
  reranker?: string;
  device?: string;
  json?: boolean;
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Default `process.stdin`; whether it is a TTY decides prompts (chat, confirmations). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Builds the configuration from the global flags and opens the app; commands close it when done.
 * `longRunning`: the command answers many queries (serve, mcp, eval), see OpenCairnOptions.
 */
export async function withApp<T>(
  command: Command,
  io: CliIo,
  run: (app: CairnApp, flags: GlobalFlags) => Promise<T>,
  options: { longRunning?: boolean } = {},
): Promise<T> {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const config = configFromFlags(flags, io);
  const app = await openCairn(config, {
    ...options,
    onNotice: (text) => io.stderr.write(`notice: ${text}\n`),
    onDownloadProgress: io.stderr.isTTY ? (event) => renderDownloadProgress(io.stderr, event) : undefined,
  });
  try {
    return await run(app, flags);
  } finally {
    await app.close();
  }
}

export function configFromFlags(flags: GlobalFlags, io: CliIo): CairnConfig {
  const overrides: DeepPartial<CairnConfig> = {};
  if (flags.home) overrides.home = flags.home;
  if (flags.embedder) overrides.embedder = flags.embedder;
  if (flags.reranker) overrides.rerank = { reranker: flags.reranker };
  // The schema rejects a device other than cpu | cuda | auto with CONFIG_INVALID naming embed.device.
  if (flags.device) overrides.embed = { device: flags.device as CairnConfig['embed']['device'] };
  return loadConfig({ configPath: flags.config, cwd: io.cwd, env: io.env, flags: overrides });
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function packageVersion(): string {
  return corePackageVersion();
}

/** Commander collects repeatable options through this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Option value parsers: a bad value is a usage error (commander names the option; exit code 2). */
export function parseInteger(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed)) throw new InvalidArgumentError('Not a whole number.');
  return parsed;
}

export function parseNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('Not a number.');
  return parsed;
}
