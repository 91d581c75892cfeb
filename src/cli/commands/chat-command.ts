import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { chatTurn, createChatSession } from '../../app/chat.js';
import { chatMessageInputSchema } from '../../app/chat-input-schemas.js';
import { createChatSessionRecord, getChatSession, postChatMessage } from '../../app/chat-sessions.js';
import { LOCAL_CALLER } from '../../app/caller.js';
import { askInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { resolveCollection } from '../../app/resolve-collection.js';
import { toCairnError } from '../../core/cairn-error.js';
import { parseInteger, withApp, type CliIo } from '../cli-context.js';
import { addSearchFilterOptions, searchFilterFromFlags } from '../search-filter-options.js';
import { collectAnswer } from '../../app/render/answer-json.js';
import { streamAnswer, withInterrupt } from './ask-command.js';

const HELP = 'Ask a question; /reset forgets the conversation, /exit (or end of input) quits.';

/**
 * `cairn chat`: a REPL over stdin. Works without a terminal (reads lines until end of input), so it
 * can be scripted and tested. A failed turn prints its error and the conversation goes on. With
 * `--session <id>` the conversation is a stored chat session (the one the HTTP API and the web UI
 * show) and is resumed where it stopped; `--session new` starts one and prints its id.
 */
export function registerChatCommand(program: Command, io: CliIo): void {
  const chatCommand = program
    .command('chat')
    .description('Chat with a collection: follow-ups are rewritten into standalone questions')
    .option('-c, --collection <name>', 'collection to ask')
    .option('-m, --mode <mode>', 'retrieval: lexical | dense | hybrid')
    .option('-k, --k <n>', 'chunks retrieved before reranking', parseInteger)
    .option('--no-rerank', 'skip the reranker')
    .option('--session <id>', 'resume a stored chat session, or `new` to store this one');
  addSearchFilterOptions(chatCommand).action(async (options, command: Command) =>
    withApp(command, io, async (app, flags) => {
      let stored: string | undefined;
      if (options.session !== undefined && options.session !== 'new') stored = (await getChatSession(app, LOCAL_CALLER, String(options.session))).session.id;
      const collection = stored !== undefined ? (await getChatSession(app, LOCAL_CALLER, stored)).session.collection : (options.collection ?? app.config.defaultCollection);
      await resolveCollection(app, collection, {}, false);
      const startStored = async () => {
        const record = await createChatSessionRecord(app, LOCAL_CALLER, { collection });
        io.stderr.write(`Chat session ${record.id} (resume with --session ${record.id})\n`);
        return record.id;
      };
      if (options.session === 'new') stored = await startStored();
      const stdin = io.stdin ?? process.stdin;
      const interactive = stdin.isTTY === true;
      const lines = createInterface({ input: stdin, ...(interactive ? { output: io.stdout, prompt: '> ' } : {}), terminal: interactive });
      let session = createChatSession();
      // In a terminal readline takes Ctrl-C: it cancels the answer being written, or quits at the prompt.
      let turn: AbortController | undefined;
      lines.on('SIGINT', () => (turn ? turn.abort() : lines.close()));
      if (interactive) {
        io.stdout.write(`${HELP}\n`);
        lines.prompt();
      }
      for await (const raw of lines) {
        const line = raw.trim();
        if (line === '/exit' || line === '/quit') break;
        if (line === '/reset') {
          session = createChatSession();
          if (stored !== undefined) stored = await startStored();
          io.stdout.write('Conversation cleared.\n');
        } else if (line === '/help') {
          io.stdout.write(`${HELP}\n`);
        } else if (line.length > 0) {
          try {
            const input = parseInput(askInputSchema, {
              collection, question: line, k: options.k, mode: options.mode,
              filter: searchFilterFromFlags(options), rerank: options.rerank,
            });
            turn = new AbortController();
            await withInterrupt(async (signal) => {
              const { collection: _collection, ...question } = input;
              const parts = stored !== undefined
                ? postChatMessage(app, LOCAL_CALLER, stored, parseInput(chatMessageInputSchema, question), { signal, origin: { surface: 'cli' } })
                : chatTurn(app, session, input, { signal, origin: { surface: 'cli' } });
              if (flags.json) io.stdout.write(`${JSON.stringify({ question: line, ...(await collectAnswer(app, parts)) })}\n`);
              else await streamAnswer(io, app, parts);
            }, turn);
          } catch (error) {
            const failure = toCairnError(error);
            if (failure.code === 'ABORTED') {
              io.stdout.write('\n(cancelled)\n');
            } else {
              io.stderr.write(`error: ${failure.message} [${failure.code}]\n${failure.hint ? `hint: ${failure.hint}\n` : ''}`);
              process.exitCode = 1;
            }
          } finally {
            turn = undefined;
          }
          if (!flags.json) io.stdout.write('\n');
        }
        if (interactive) lines.prompt();
      }
      lines.close();
    }),
  );
}
