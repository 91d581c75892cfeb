import type { Command } from 'commander';
import { ask } from '../../app/ask.js';
import type { CairnApp } from '../../app/cairn-app.js';
import { askInputSchema } from '../../app/input-schemas.js';
import { parseInput } from '../../app/parse-input.js';
import { collectAnswer } from '../../app/render/answer-json.js';
import type { AnswerPart, AnswerTimings, Citation } from '../../core/answer-types.js';
import { CairnError, type ErrorCode } from '../../core/cairn-error.js';
import { parseInteger, printJson, withApp, type CliIo } from '../cli-context.js';
import { addSearchFilterOptions, searchFilterFromFlags } from '../search-filter-options.js';

export function registerAskCommand(program: Command, io: CliIo): void {
  const askCommand = program
    .command('ask')
    .description('Answer a question from a collection, streamed, with cited sources')
    .argument('<question...>', 'the question')
    .option('-c, --collection <name>', 'collection to ask')
    .option('-m, --mode <mode>', 'retrieval: lexical | dense | hybrid')
    .option('-k, --k <n>', 'chunks retrieved before reranking', parseInteger)
    .option('--no-rerank', 'skip the reranker')
    .option('--user <id>', "also use this user's memories (cairn memory add --user)");
  addSearchFilterOptions(askCommand).action(async (words: string[], options, command: Command) =>
    withApp(command, io, async (app, flags) => {
      const input = parseInput(askInputSchema, {
        collection: options.collection ?? app.config.defaultCollection,
        question: words.join(' '),
        k: options.k,
        mode: options.mode,
        filter: searchFilterFromFlags(options),
        rerank: options.rerank,
        userId: options.user,
      });
      await withInterrupt(async (signal) => {
        const parts = ask(app, input, { signal, origin: { surface: 'cli' } });
        if (flags.json) printJson(io, { question: input.question, collection: input.collection, ...(await collectAnswer(app, parts)) });
        else await streamAnswer(io, app, parts);
      });
    }),
  );
}

/** Runs `work` with a signal that Ctrl-C aborts (the upstream LLM request is cancelled with it). */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>, controller = new AbortController()): Promise<T> {
  const onInterrupt = () => controller.abort(new CairnError('ABORTED', 'Interrupted.'));
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/**
 * Writes each text delta the moment it arrives, then the sources and one timings line. Notices go
 * to stderr. An error part ends the answer and is thrown (after the text already shown).
 */
export async function streamAnswer(io: CliIo, app: CairnApp, parts: AsyncIterable<AnswerPart>): Promise<void> {
  let sources: Citation[] = [];
  let wroteText = false;
  for await (const part of parts) {
    switch (part.type) {
      case 'sources':
        sources = part.citations;
        break;
      case 'notice':
        app.notice(part.text);
        break;
      case 'text-delta':
        io.stdout.write(part.text);
        wroteText = true;
        break;
      case 'finish': {
        if (wroteText) io.stdout.write('\n');
        const cited = part.citations.length > 0 ? part.citations : sources;
        if (cited.length > 0) {
          io.stdout.write(`\n${part.citations.length > 0 ? 'Sources' : 'Sources given to the model (none cited)'}:\n`);
          for (const citation of cited) io.stdout.write(`${formatCitation(citation)}\n`);
        }
        io.stdout.write(`\n${timingsLine(part.timings, part.extractive ? extractiveNote(part.finishReason) : undefined)}\n`);
        break;
      }
      case 'error':
        if (wroteText) io.stdout.write('\n');
        throw new CairnError(part.error.code as ErrorCode, part.error.message, {
          retryable: part.error.retryable,
          hint: part.error.retryable ? 'Try again; the language model server may be busy or restarting.' : 'Check the language model server (CAIRN_LLM_URL) and its logs.',
        });
    }
  }
}

/** `[n] title — source_uri (heading path, pages or lines)` */
export function formatCitation(citation: Citation): string {
  const where = [
    citation.headingPath.length > 0 ? citation.headingPath.join(' › ') : undefined,
    citation.pageStart !== undefined ? `p. ${range(citation.pageStart, citation.pageEnd)}` : undefined,
    citation.lineStart !== undefined ? `lines ${range(citation.lineStart, citation.lineEnd)}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return `[${citation.n}] ${citation.title} — ${citation.sourceUri}${citation.anchor ? `#${citation.anchor}` : ''}${where.length > 0 ? ` (${where.join(', ')})` : ''}`;
}

function range(start: number, end: number | undefined): string {
  return end !== undefined && end !== start ? `${start}–${end}` : `${start}`;
}

/** `retrieval 9 ms · rerank 41 ms · first token 312 ms · 47.3 tok/s decode · 812 prompt tokens`; parts that did not happen are left out. */
export function timingsLine(timings: AnswerTimings, extractive?: string): string {
  const parts = [
    extractive,
    `retrieval ${formatMs(timings.retrievalMs)}`,
    timings.rerankMs > 0 ? `rerank ${formatMs(timings.rerankMs)}` : undefined,
    timings.ttftMs !== undefined ? `first token ${formatMs(timings.ttftMs)}` : undefined,
    timings.tokensPerSecond ? `${timings.tokensPerSecond.toFixed(1)} tok/s decode` : undefined,
    timings.promptTokens !== undefined ? `${timings.promptTokens} prompt tokens` : undefined,
    `total ${formatMs(timings.totalMs)}`,
  ];
  return parts.filter((part): part is string => part !== undefined).join(' · ');
}

function extractiveNote(finishReason: string): string {
  return finishReason === 'extractive:unreachable' ? 'extractive answer (language model unreachable)' : 'extractive answer (no language model)';
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}
