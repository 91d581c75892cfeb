import { randomBytes } from 'node:crypto';
import { answerTimingsJson, citationJson } from '../../app/render/answer-json.js';
import type { AnswerPart, Citation } from '../../core/answer-types.js';
import { estimateTokenCounter } from '../../models/tokenize/estimate-token-counter.js';

type Finish = Extract<AnswerPart, { type: 'finish' }>;

/** What every object of one completion shares. */
export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completionIdentity(model: string): CompletionIdentity {
  return { id: `chatcmpl-${randomBytes(12).toString('base64url')}`, created: Math.floor(Date.now() / 1000), model };
}

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/**
 * The language model server's own token counts when it reported them; otherwise (and for an
 * extractive answer, which no model generated) estimates of the conversation and of the answer.
 */
export function completionUsage(finish: Finish, conversationText: string): CompletionUsage {
  const prompt = finish.timings.promptTokens ?? estimateTokenCounter.count(conversationText);
  const completion = finish.timings.completionTokens ?? estimateTokenCounter.count(finish.answer);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** OpenAI's finish reasons: `length` when the token limit cut the answer, else `stop` (extractive answers included). */
export function finishReasonOf(finish: Finish): 'stop' | 'length' {
  return finish.finishReason === 'length' ? 'length' : 'stop';
}

/**
 * The numbered sources appended to the answer text, one Markdown list item per cited source:
 * `[n]`, the title (a link when the source is a web URL) with its heading path, then where it is.
 * Empty when nothing is cited.
 */
export function sourcesMarkdown(citations: readonly Citation[]): string {
  if (citations.length === 0) return '';
  const lines = [...citations].sort((a, b) => a.n - b.n).map((citation) => {
    const title = escapeMarkdown(citation.title || citation.sourceUri);
    const linked = /^https?:\/\//i.test(citation.sourceUri) ? `[${title}](${linkTarget(citation.sourceUri)})` : title;
    const heading = citation.headingPath.length > 0 ? ` › ${escapeMarkdown(citation.headingPath.join(' › '))}` : '';
    const where = citation.kind === 'chunk' && !/^https?:\/\//i.test(citation.sourceUri) ? ` — \`${displayedLocation(citation.sourceUri)}\`` : '';
    return `- [${citation.n}] ${linked}${heading}${where}${range(citation)}`;
  });
  return `\n\n**Sources**\n\n${lines.join('\n')}`;
}

function range(citation: Citation): string {
  if (citation.pageStart !== undefined) return citation.pageEnd !== undefined && citation.pageEnd !== citation.pageStart ? `, pages ${citation.pageStart}–${citation.pageEnd}` : `, page ${citation.pageStart}`;
  if (citation.lineStart !== undefined) return `, lines ${citation.lineStart}–${citation.lineEnd ?? citation.lineStart}`;
  return '';
}

/** Parentheses and spaces would end a Markdown link target. */
function linkTarget(url: string): string {
  return url.replace(/[()\s]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A file URI as its path; other URIs (upload:, git) as they are. Never breaks out of the code span. */
function displayedLocation(uri: string): string {
  let shown = uri;
  if (uri.startsWith('file://')) {
    try {
      shown = decodeURIComponent(new URL(uri).pathname);
    } catch {
      shown = uri;
    }
  }
  return shown.replace(/`/g, "'");
}

/** Characters that would start emphasis, code, a link or HTML; `_` inside words is left alone (CommonMark ignores it). */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*[\]<>])/g, '\\$1');
}

/**
 * Cairn's additions to a completion (and to the last chunk of a stream): `citations` as in
 * `/v1/ask`, and `cairn` with whether the answer is extractive, the notices, and the timings.
 */
export function cairnExtras(finish: Finish, notices: readonly string[], collection: string) {
  return {
    citations: finish.citations.map(citationJson),
    cairn: {
      collection,
      extractive: finish.extractive,
      finish_reason: finish.finishReason,
      model: finish.model ?? null,
      notices,
      timings: answerTimingsJson(finish.timings),
    },
  };
}
