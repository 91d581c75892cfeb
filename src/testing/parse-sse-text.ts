/** One Server-Sent Event of a whole response body, its `data` parsed as JSON. */
export interface ParsedSseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/**
 * Parses a complete `text/event-stream` body (tests read finished responses): events are separated by
 * a blank line, comment lines (`: ping`) are skipped, several `data:` lines join with a newline, and
 * an event without `event:` is a `message`.
 */
export function parseSseText(text: string): ParsedSseEvent[] {
  const events: ParsedSseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line !== '' && !line.startsWith(':'));
    if (lines.length === 0) continue;
    const id = lines.find((line) => line.startsWith('id: '))?.slice(4);
    const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? 'message';
    const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
    events.push({ ...(id === undefined ? {} : { id }), event, data: JSON.parse(data === '' ? 'null' : data) as Record<string, unknown> });
  }
  return events;
}
