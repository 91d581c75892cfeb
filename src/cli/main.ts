import { Command, CommanderError } from 'commander';
import { toCairnError } from '../core/cairn-error.js';
import { packageVersion, type CliIo } from './cli-context.js';
import { registerAskCommand } from './commands/ask-command.js';
import { registerBackupCommand } from './commands/backup-command.js';
import { registerChatCommand } from './commands/chat-command.js';
import { registerCollectionsCommand } from './commands/collections-command.js';
import { registerDbCommand } from './commands/db-command.js';
import { registerDocsCommand } from './commands/docs-command.js';
import { registerEvalCommand } from './commands/eval-command.js';
import { registerImportCommand } from './commands/import-command.js';
import { registerIndexCommand } from './commands/index-command.js';
import { registerIngestCommand } from './commands/ingest-command.js';
import { registerKeysCommand } from './commands/keys-command.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerMemoryCommand } from './commands/memory-command.js';
import { registerModelsCommand } from './commands/models-command.js';
import { registerReembedCommand } from './commands/reembed-command.js';
import { registerSearchCommand } from './commands/search-command.js';
import { registerServeCommand } from './commands/serve-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { registerStatusCommand } from './commands/status-command.js';

/** Exit codes: 0 success, 1 the command failed, 2 bad usage or input. */
const INPUT_CODES = new Set(['INPUT_INVALID', 'CONFIG_INVALID', 'COLLECTION_NOT_FOUND', 'DOCUMENT_NOT_FOUND', 'SOURCE_NOT_FOUND', 'EMBEDDER_MISMATCH', 'COLLECTION_EXISTS', 'MEMORY_NOT_FOUND', 'STORE_MISCONFIGURED', 'BACKUP_NOT_FOUND', 'BACKUP_TARGET_NOT_EMPTY', 'MODEL_NOT_ALLOWED', 'PORT_UNAVAILABLE']);

export function buildProgram(io: CliIo): Command {
  const program = new Command('cairn')
    .description('Cairn: a self-hosted knowledge base over your documents and code')
    .version(packageVersion())
    .option('--config <file>', 'config file (default: ./cairn.config.json when present)')
    .option('--home <dir>', 'data directory (CAIRN_HOME, default ~/.cairn)')
    .option('--embedder <spec>', 'embedder: onnx:<id> | static:<id-or-path> | openai:<url>#<model> | none (CAIRN_EMBEDDER)')
    .option('--reranker <spec>', 'reranker: onnx:<id> | http:<url>[#<model>] | none (CAIRN_RERANKER)')
    .option('--device <device>', 'where ONNX embedders and rerankers run: cpu | cuda | auto (CAIRN_EMBED_DEVICE)')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(run `cairn --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerIngestCommand(program, io);
  registerSearchCommand(program, io);
  registerAskCommand(program, io);
  registerChatCommand(program, io);
  registerCollectionsCommand(program, io);
  registerDocsCommand(program, io);
  registerReembedCommand(program, io);
  registerIndexCommand(program, io);
  registerImportCommand(program, io);
  registerStatusCommand(program, io);
  registerEvalCommand(program, io);
  registerModelsCommand(program, io);
  registerServeCommand(program, io);
  registerWorkerCommand(program, io);
  registerKeysCommand(program, io);
  registerMcpCommand(program, io);
  registerMemoryCommand(program, io);
  registerBackupCommand(program, io);
  registerDbCommand(program, io);
  hintCommandHelp(program);
  return program;
}

/** Usage errors end with the help command of the (sub)command that was mistyped: `cairn search --help`. */
function hintCommandHelp(command: Command, path = 'cairn'): void {
  for (const sub of command.commands) {
    const subPath = `${path} ${sub.name()}`;
    sub.showHelpAfterError(`(run \`${subPath} --help\` for usage)`);
    hintCommandHelp(sub, subPath);
  }
}

/** Runs the CLI and returns the process exit code; every failure ends as one line with a hint. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    const failure = toCairnError(error);
    io.stderr.write(`error: ${failure.message}${failure.code === 'INTERNAL' ? '' : ` [${failure.code}]`}\n`);
    if (failure.hint) io.stderr.write(`hint: ${failure.hint}\n`);
    if (failure.code === 'INTERNAL' && io.env.CAIRN_DEBUG) io.stderr.write(`${(error as Error).stack ?? ''}\n`);
    return INPUT_CODES.has(failure.code) ? 2 : 1;
  }
}
