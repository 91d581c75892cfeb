import Papa from 'papaparse';
import type { Block, ParsedDocument } from '../../core/parsed-document.js';
import { decodeText } from './detect-encoding.js';
import { emptyFileError, isBlank, throwIfAborted } from './parse-error.js';
import type { ParseInput, Parser } from './parser.js';

/**
 * CSV/TSV: the first non-empty record is the header; every later record becomes a `row` block
 * whose `header` is the header as a Markdown header row (plus separator) and whose `text` is the
 * record as a Markdown table row. `line` is the record's first 1-based line. Ragged records are
 * rendered as they are (no padding, no error).
 */
export const csvParser: Parser = {
  id: 'csv',
  extensions: ['csv', 'tsv'],
  async parse(input: ParseInput): Promise<ParsedDocument> {
    const { text: raw, encoding } = decodeText(input.bytes);
    if (isBlank(raw)) throw emptyFileError(input.fileName);
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    const records: { cells: string[]; line: number }[] = [];
    const lineOf = lineCounter(text);
    let start = 0;
    const result = Papa.parse<string[]>(text, {
      delimiter: input.extension === 'tsv' ? '\t' : '',
      skipEmptyLines: 'greedy',
      step: (row) => {
        const end = row.meta.cursor;
        let from = start;
        while (from < end && (text[from] === '\n' || text[from] === '\r')) from++;
        records.push({ cells: row.data, line: lineOf(from) });
        start = end;
      },
    });
    throwIfAborted(input.signal);
    const [headerRecord, ...body] = records;
    if (!headerRecord) throw emptyFileError(input.fileName);
    const columns = headerRecord.cells.length;
    const header = `${renderRow(headerRecord.cells)}\n|${' --- |'.repeat(Math.max(columns, 1))}`;
    const blocks: Block[] = body
      .filter((record) => record.cells.some((cell) => cell.trim() !== ''))
      .map((record) => ({ kind: 'row', text: renderRow(record.cells), header, line: record.line }));
    if (blocks.length === 0) blocks.push({ kind: 'table', text: header, header });
    const metadata = { encoding, delimiter: (result.meta as { delimiter?: string }).delimiter ?? ',', columns, rowCount: blocks.length };
    return { title: input.fileName, format: 'csv', blocks, metadata };
  },
};

function renderRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => cell.replace(/\s+/g, ' ').trim().replace(/\|/g, '\\|')).join(' | ')} |`;
}

/** Maps increasing character offsets to 1-based line numbers in amortised O(1). */
function lineCounter(text: string): (offset: number) => number {
  let position = 0;
  let line = 1;
  return (offset) => {
    for (; position < offset; position++) if (text.charCodeAt(position) === 10) line++;
    return line;
  };
}
