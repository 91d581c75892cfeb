/** One dispatched Server-Sent Event. `event` defaults to `message`; `id` is the last event id seen so far. */
export interface SseEvent {
  event: string;
  data: string;
  id: string;
  /** Reconnection delay the server asked for, in milliseconds, when this event block set one. */
  retry?: number;
}

export interface SseParser {
  /** Feeds decoded text; any chunk boundary is allowed (inside a line, between CR and LF, inside an event). */
  push(text: string): void;
  /** The stream ended: an incomplete last event (no blank line) is discarded, as the standard says. */
  end(): void;
  /** The last event id set by an `id:` field (what `Last-Event-ID` carries on reconnect). */
  readonly lastEventId: string;
}

/**
 * Incremental parser of the `text/event-stream` format (WHATWG HTML, "Server-sent events",
 * section 9.2.6): lines end in CRLF, LF or CR; `:` starts a comment; `field: value` with one optional
 * space after the colon; `data` lines join with LF; a blank line dispatches; an `id` containing NUL
 * is ignored; `retry` must be all digits; a leading byte-order mark is dropped.
 */
export function createSseParser(onEvent: (event: SseEvent) => void, onComment?: (text: string) => void): SseParser {
  let buffer = '';
  let started = false;
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to that line end. */
  let pendingCr = false;
  let eventType = '';
  let data: string[] = [];
  let hasData = false;
  let lastEventId = '';
  let retry: number | undefined;

  const dispatch = (): void => {
    const type = eventType || 'message';
    eventType = '';
    const blockRetry = retry;
    retry = undefined;
    if (!hasData) return;
    const event: SseEvent = { event: type, data: data.join('\n'), id: lastEventId };
    if (blockRetry !== undefined) event.retry = blockRetry;
    data = [];
    hasData = false;
    onEvent(event);
  };

  const line = (text: string): void => {
    if (text === '') {
      dispatch();
      return;
    }
    if (text.startsWith(':')) {
      onComment?.(text.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        data.push(value);
        hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) lastEventId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value);
        break;
      default:
        break;
    }
  };

  return {
    push(text: string): void {
      if (text === '') return;
      if (!started) {
        started = true;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      if (pendingCr && text.startsWith('\n')) text = text.slice(1);
      pendingCr = false;
      buffer += text;
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const code = buffer.charCodeAt(i);
        if (code !== 10 && code !== 13) continue;
        line(buffer.slice(start, i));
        if (code === 13) {
          if (i + 1 < buffer.length) {
            if (buffer.charCodeAt(i + 1) === 10) i++;
          } else {
            pendingCr = true;
          }
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
    end(): void {
      buffer = '';
      data = [];
      hasData = false;
      eventType = '';
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
