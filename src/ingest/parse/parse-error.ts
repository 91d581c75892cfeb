import { CairnError, type ErrorCode } from '../../core/cairn-error.js';
import type { Block } from '../../core/parsed-document.js';

type ParseErrorCode = Extract<ErrorCode, `PARSE_${string}`>;

const hints: Record<ParseErrorCode, string> = {
  PARSE_ENCRYPTED: 'Remove the password (or export an unprotected copy) and ingest it again.',
  PARSE_CORRUPT: 'Open and re-save the file in its application, or restore it from a good copy.',
  PARSE_EMPTY: 'Nothing to index; add content or exclude the file with .cairnignore.',
  PARSE_NO_TEXT: 'Run OCR first (for example `ocrmypdf in.pdf out.pdf`) and ingest the result.',
  PARSE_UNSUPPORTED: 'Convert the file to a supported format or exclude it with .cairnignore.',
  PARSE_TOO_LARGE: 'Split the file or raise the size limit.',
  PARSE_BOMB: 'If the file is genuine, raise the limit the message names in cairn.config.json and ingest it again.',
  PARSE_FAILED: 'Report the file and the message; the rest of the run is unaffected.',
};

/** A CairnError for a file that is skipped; `message` names the reason, the file is in `details`. */
export function parseError(
  code: ParseErrorCode,
  fileName: string,
  message: string,
  options: { cause?: unknown; hint?: string } = {},
): CairnError {
  return new CairnError(code, `${fileName}: ${message}`, {
    cause: options.cause,
    hint: options.hint ?? hints[code],
    details: { fileName },
  });
}

export function emptyFileError(fileName: string): CairnError {
  return parseError('PARSE_EMPTY', fileName, 'empty file: it has no text content');
}

/** True when bytes are zero-length or decode to whitespace only (checked on the decoded text). */
export function isBlank(text: string): boolean {
  return !/\S/.test(text);
}

/** Throws PARSE_EMPTY when no block carries non-whitespace text. */
export function assertHasText(blocks: Block[], fileName: string): void {
  if (!blocks.some((block) => !isBlank(block.text))) throw emptyFileError(fileName);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CairnError('ABORTED', 'The operation was cancelled.', { cause: signal.reason });
}
