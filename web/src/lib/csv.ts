/**
 * RFC 4180 CSV: CRLF line ends; a field with a comma, quote, CR or LF is quoted with inner quotes
 * doubled. Text that starts with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet does not run
 * it as a formula; numbers are written as they are. null and undefined are empty fields.
 */
export function toCsv(rows: readonly object[], columns: readonly string[] = columnsOf(rows)): string {
  const lines = [columns.map(field).join(',')];
  for (const row of rows) lines.push(columns.map((column) => field((row as Record<string, unknown>)[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function columnsOf(rows: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function field(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
