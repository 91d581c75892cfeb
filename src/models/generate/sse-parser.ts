/** One dispatched Server-Sent Event: the `data` lines joined with "\n", and the `event` name when given. */
export interface SseEvent {
  data: string;
  event?: string;
}

export interface SseParser {
  /** Feeds decoded text; returns the events completed by it. Chunk boundaries may fall anywhere. */
  push(text: string): SseEvent[];
  /** Ends the stream; returns an event whose data lines were not yet closed by a blank line. */
  end(): SseEvent[];
}

/**
 * Incremental parser for `text/event-stream` (WHATWG HTML, "Server-sent events", event stream
 * interpretation): lines end in CRLF, LF or CR; a line starting with ":" is a comment (keep-alive);
 * `field: value` loses one leading space of the value; consecutive `data` lines join with "\n"; a blank
 * line dispatches. `id` and `retry` are ignored (no reconnection here). Unlike a browser, `end()`
 * dispatches pending data, because some servers close the stream right after the last `data:` line.
 */
export function createSseParser(): SseParser {
  let buffer = '';
  let dataLines: string[] = [];
  let eventName: string | undefined;

  const takeLine = (line: string, events: SseEvent[]): void => {
    if (line === '') {
      if (dataLines.length > 0) events.push(eventName === undefined ? { data: dataLines.join('\n') } : { data: dataLines.join('\n'), event: eventName });
      dataLines = [];
      eventName = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') dataLines.push(value);
    else if (field === 'event') eventName = value;
  };

  const drain = (final: boolean): SseEvent[] => {
    const events: SseEvent[] = [];
    let start = 0;
    for (let index = 0; index < buffer.length; index += 1) {
      const char = buffer.charCodeAt(index);
      if (char !== 10 && char !== 13) continue;
      // A CR as the last character may be the first half of a CRLF split across chunks: wait for more.
      if (char === 13 && index === buffer.length - 1 && !final) break;
      takeLine(buffer.slice(start, index), events);
      if (char === 13 && buffer.charCodeAt(index + 1) === 10) index += 1;
      start = index + 1;
    }
    buffer = buffer.slice(start);
    if (final) {
      if (buffer !== '') takeLine(buffer, events);
      buffer = '';
      takeLine('', events);
    }
    return events;
  };

  return {
    push: (text) => {
      buffer += text;
      return drain(false);
    },
    end: () => drain(true),
  };
}
