import { CairnError } from '../../core/cairn-error.js';
import { chatChunkSchema, errorText, toUsage, upstreamErrorMessage } from './chat-completions-wire.js';
import type { Usage } from './language-model.js';
import { createSseParser } from './sse-parser.js';
import type { TimedRequest } from './timed-request.js';

export type ChatStreamEvent = { type: 'text'; text: string } | { type: 'finish-reason'; reason: string } | { type: 'usage'; usage: Usage };

/**
 * The events of a streamed chat completion, read from the SSE body as it arrives: non-empty content
 * deltas, the `finish_reason`, and usage wherever a server puts it (its own chunk with empty choices,
 * or the finishing chunk). Ends at `data: [DONE]`, or at the end of the body once a `finish_reason` was
 * seen (some servers omit `[DONE]`). Throws a retryable UPSTREAM_FAILED for an error object in the
 * stream, an unreadable chunk, or a body that ends before finishing; read failures of `request`
 * (timeouts, resets, ABORTED) pass through.
 */
export async function* chatStreamEvents(request: TimedRequest, baseUrl: string): AsyncGenerator<ChatStreamEvent, void, undefined> {
  const parser = createSseParser();
  const decoder = new TextDecoder();
  let finished = false;
  for (;;) {
    const bytes = await request.read();
    const events = bytes === null ? parser.push(decoder.decode()).concat(parser.end()) : parser.push(decoder.decode(bytes, { stream: true }));
    for (const event of events) {
      if (event.data.trim() === '[DONE]') return;
      const chunk = parseChunk(event.data, baseUrl);
      if (chunk.error !== undefined && chunk.error !== null) {
        throw new CairnError('UPSTREAM_FAILED', `The LLM server at ${baseUrl} reported an error mid-stream: ${errorText(chunk.error)}`, {
          retryable: true,
          hint: "Check the server's logs.",
        });
      }
      const choice = chunk.choices?.[0];
      const text = choice?.delta?.content ?? choice?.text ?? '';
      if (text !== '') yield { type: 'text', text };
      if (choice?.finish_reason) {
        finished = true;
        yield { type: 'finish-reason', reason: choice.finish_reason };
      }
      if (chunk.usage) yield { type: 'usage', usage: toUsage(chunk.usage) };
    }
    if (bytes === null) break;
  }
  if (!finished) {
    throw new CairnError('UPSTREAM_FAILED', `The LLM server at ${baseUrl} ended the stream without finishing.`, {
      retryable: true,
      hint: "Check the server's logs.",
    });
  }
}

function parseChunk(data: string, baseUrl: string) {
  try {
    return chatChunkSchema.parse(JSON.parse(data));
  } catch (error) {
    throw new CairnError('UPSTREAM_FAILED', `The LLM server at ${baseUrl} sent an unreadable stream chunk: ${upstreamErrorMessage(data)}`, {
      cause: error,
      retryable: true,
      hint: 'The server must speak the OpenAI chat-completions streaming format (SSE `data:` lines).',
    });
  }
}
