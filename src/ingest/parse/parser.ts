import type { ParsedDocument } from '../../core/parsed-document.js';
import type { ParseLimits } from './parse-limits.js';

/** What a parser receives: the file's bytes and the names it is known by. */
export interface ParseInput {
  bytes: Buffer;
  /** Base name with its extension (`guide.md`, `Dockerfile`). */
  fileName: string;
  /** Lower-case extension without the dot; '' when the name has none. */
  extension: string;
  /** Path relative to the source root, `/`-separated. */
  relativePath: string;
  /** Bounds on what parsing this file may cost; DEFAULT_PARSE_LIMITS when absent. */
  limits?: ParseLimits;
  signal?: AbortSignal;
}

/**
 * One parser per format. `parse` resolves with at least one non-empty block or rejects with a
 * CairnError whose code is one of the PARSE_* reasons (encrypted, corrupt, empty, no text, unsupported,
 * too large, bomb).
 */
export interface Parser {
  readonly id: string;
  /** Lower-case extensions (no dot) it handles. */
  readonly extensions: readonly string[];
  parse(input: ParseInput): Promise<ParsedDocument>;
}
