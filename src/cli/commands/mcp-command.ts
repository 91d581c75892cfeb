import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Command } from 'commander';
import { collectionNameSchema } from '../../app/input-schemas.js';
import { openCairn } from '../../app/open-cairn.js';
import { parseInput } from '../../app/parse-input.js';
import { warmSearch } from '../../app/warm-search.js';
import { createMcpServer } from '../../mcp/create-mcp-server.js';
import { configFromFlags, packageVersion, type CliIo, type GlobalFlags } from '../cli-context.js';

/**
 * `cairn mcp`: the MCP server over stdio for a local client (`claude mcp add cairn -- npx cairn mcp`).
 * stdout carries only JSON-RPC; notices and errors go to stderr. The local user may write
 * (`remember`; `ingest` within sources.allowedDirs). Runs until stdin ends or SIGINT/SIGTERM.
 */
export function registerMcpCommand(program: Command, io: CliIo): void {
  program
    .command('mcp')
    .description('Run the MCP server over stdio (for Claude Code and other MCP clients)')
    .option('-c, --collection <name>', 'collection of tool calls that name none (default: the configured default)')
    .action(async (options: { collection?: string }, command: Command) => {
      const flags = command.optsWithGlobals<GlobalFlags>();
      const config = configFromFlags(flags, io);
      const defaultCollection = options.collection === undefined ? undefined : parseInput(collectionNameSchema, options.collection);
      const app = await openCairn(config, { longRunning: true, onNotice: (text) => io.stderr.write(`notice: ${text}\n`) });
      try {
        const server = createMcpServer(app, { version: packageVersion(), canWrite: true, ...(defaultCollection ? { defaultCollection } : {}) });
        const transport = new StdioServerTransport(process.stdin, process.stdout);
        const closed = new Promise<void>((resolve) => {
          transport.onclose = resolve;
          process.stdin.once('end', resolve);
          process.stdin.once('close', resolve);
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        transport.onerror = (error) => io.stderr.write(`mcp: ${error.message}\n`);
        await server.connect(transport);
        io.stderr.write(`Cairn MCP server on stdio (home ${config.home}, default collection ${defaultCollection ?? config.defaultCollection})\n`);
        // As `cairn serve` does: the first queries then meet the in-memory postings and the HNSW graph ready.
        void warmSearch(app, (collection, error) => io.stderr.write(`notice: warming the search indexes of ${collection} failed (${error instanceof Error ? error.message : String(error)}); searches load them on first use\n`));
        await closed;
        await server.close();
      } finally {
        await app.close();
      }
    });
}
