/** Formats a parser can produce; stored as the document's `format` and usable as a filter (file type). */
export type DocumentFormat = 'markdown' | 'text' | 'html' | 'pdf' | 'docx' | 'csv' | 'json' | 'code';

/**
 * A structural unit of a parsed document, in reading order. Chunking packs blocks into chunks;
 * it never reorders them.
 * - `heading`: starts a section; `level` 1..6. Headings build the heading path of later blocks;
 *   `anchor` is the fragment that links to it (`dependencies` for `page.html#dependencies`) when the
 *   source states one (Markdown attribute lists, HTML `id`).
 * - `text`: prose (a paragraph, a list, a quote); may be split at sentence boundaries.
 * - `code`: fenced code or a top-level definition of a source file; kept whole when it fits.
 * - `table`: a table rendered as Markdown rows; split between rows, `header` repeated on each part.
 * - `row`: one record of a CSV/JSON-lines table; `header` is repeated at the top of each chunk.
 */
export type Block =
  | { kind: 'heading'; level: number; text: string; page?: number; anchor?: string }
  | { kind: 'text'; text: string; page?: number; line?: number }
  | { kind: 'code'; text: string; language?: string; page?: number; line?: number }
  | { kind: 'table'; text: string; header?: string; page?: number }
  | { kind: 'row'; text: string; header: string; line?: number };

export interface ParsedDocument {
  title: string;
  format: DocumentFormat;
  /** Programming language for code files (`typescript`, `python`); natural language is not detected. */
  language?: string;
  blocks: Block[];
  /** Front matter and format facts (page count, encoding, tags). Values must be JSON-serialisable. */
  metadata: Record<string, unknown>;
  /** Number of pages for paged formats (PDF). */
  pageCount?: number;
}
