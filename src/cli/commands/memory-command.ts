import type { Command } from 'commander';
import { createMemory, deleteMemory, listMemories, searchMemories, type Memory } from '../../app/memories.js';
import { collect, parseInteger, parseNumber, printJson, withApp, type CliIo } from '../cli-context.js';

interface ScopeOptions {
  session?: string;
  user?: string;
}

const scopeOf = (options: ScopeOptions) => ({
  ...(options.session !== undefined ? { sessionId: options.session } : {}),
  ...(options.user !== undefined ? { userId: options.user } : {}),
});

/** `cairn memory add|list|search|rm`: long-term memories, over the same use cases as /v1/memories. */
export function registerMemoryCommand(program: Command, io: CliIo): void {
  const memory = program.command('memory').description('Add, list, search and remove long-term memories');
  memory
    .command('add')
    .argument('<content...>', 'the fact to remember')
    .option('--tag <tag>', 'a tag (repeatable)', collect)
    .option('--source <source>', 'where the fact comes from')
    .option('--expires <date>', 'ISO date after which it is forgotten')
    .option('--session <id>', 'visible only to this session')
    .option('--user <id>', 'visible only to this user')
    .description('Remember a fact')
    .action(async (words: string[], options: ScopeOptions & { tag?: string[]; source?: string; expires?: string }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const created = await createMemory(app, {
          content: words.join(' '),
          ...(options.tag ? { tags: options.tag } : {}),
          ...(options.source !== undefined ? { source: options.source } : {}),
          ...(options.expires !== undefined ? { expiresAt: options.expires } : {}),
          ...scopeOf(options),
        });
        if (flags.json) return printJson(io, created);
        io.stdout.write(`Remembered ${created.id}.\n`);
      }),
    );
  memory
    .command('list')
    .option('--tag <tag>', 'only memories with this tag')
    .option('--session <id>', 'only memories of this session')
    .option('--user <id>', 'only memories of this user')
    .option('--text <text>', 'only memories containing this text')
    .option('--limit <n>', 'most memories shown', parseInteger, 50)
    .option('--cursor <cursor>', 'the next page (printed after a full page)')
    .description('List memories, newest first')
    .action(async (options: ScopeOptions & { tag?: string; text?: string; limit: number; cursor?: string }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const page = await listMemories(app, {
          ...(options.tag !== undefined ? { tag: options.tag } : {}),
          ...(options.text !== undefined ? { q: options.text } : {}),
          ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
          ...scopeOf(options),
          limit: options.limit,
        });
        if (flags.json) return printJson(io, page);
        if (page.items.length === 0) return void io.stdout.write('No memories. Add one with `cairn memory add <fact>`.\n');
        for (const item of page.items) io.stdout.write(formatMemory(item));
        if (page.nextCursor) io.stdout.write(`More: --cursor ${page.nextCursor}\n`);
      }),
    );
  memory
    .command('search')
    .argument('<query...>')
    .option('-k, --k <n>', 'results', parseInteger, 10)
    .option('--tag <tag>', 'only memories with this tag (repeatable; all must match)', collect)
    .option('--session <id>', 'also search the memories of this session')
    .option('--user <id>', 'also search the memories of this user')
    .option('--min-score <score>', 'leave out results below this score (0 to 1)', parseNumber)
    .description('Search memories by meaning and words')
    .action(async (words: string[], options: ScopeOptions & { k: number; tag?: string[]; minScore?: number }, command: Command) =>
      withApp(command, io, async (app, flags) => {
        const result = await searchMemories(app, {
          query: words.join(' '),
          k: options.k,
          ...(options.tag ? { tags: options.tag } : {}),
          ...(options.minScore !== undefined ? { minScore: options.minScore } : {}),
          ...scopeOf(options),
        });
        if (flags.json) return printJson(io, result);
        if (result.items.length === 0) return void io.stdout.write('No memory matches.\n');
        for (const item of result.items) io.stdout.write(`${item.score.toFixed(3)}  ${formatMemory(item)}`);
      }),
    );
  memory
    .command('rm')
    .argument('<id...>')
    .description('Forget memories by id')
    .action(async (ids: string[], _options: unknown, command: Command) =>
      withApp(command, io, async (app, flags) => {
        for (const id of ids) await deleteMemory(app, id);
        if (flags.json) printJson(io, { deleted: ids });
        else io.stdout.write(`Forgot ${ids.join(', ')}.\n`);
      }),
    );
}

/** One line: id, content, then tags, scope and expiry when set. */
export function formatMemory(memory: Memory): string {
  const extras = [
    memory.tags.length > 0 ? `#${memory.tags.join(' #')}` : '',
    memory.sessionId ? `session ${memory.sessionId}` : '',
    memory.userId ? `user ${memory.userId}` : '',
    memory.source ? `from ${memory.source}` : '',
    memory.expiresAt ? `expires ${memory.expiresAt}` : '',
  ].filter(Boolean);
  return `${memory.id}  ${memory.content.replace(/\s+/g, ' ')}${extras.length > 0 ? `  (${extras.join(', ')})` : ''}\n`;
}
