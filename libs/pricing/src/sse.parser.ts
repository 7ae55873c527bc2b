/** One server-sent event (WHATWG HTML "Server-sent events", event stream interpretation). */
export interface SseEvent {
  /** `event:` field; "message" when absent. */
  readonly event: string;
  /** `data:` lines joined with "\n". */
  readonly data: string;
  readonly id: string | undefined;
}

export interface SseParser {
  /** Feeds the next chunk as it arrives: bytes split anywhere (even inside a UTF-8 sequence or "\r\n"). */
  push(chunk: Uint8Array | string): void;
  /** The stream ended; an unterminated last event is discarded, as the spec says. */
  end(): void;
}

/**
 * An incremental SSE parser: lines end in "\r\n", "\n" or "\r"; a blank line dispatches the
 * event; lines starting with ":" are comments; `field: value` loses one leading space; several
 * `data:` lines join with "\n"; an event with no data is not dispatched; a leading BOM is dropped.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): SseParser {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let skipLeadingLf = false;
  let first = true;
  let eventType = '';
  let data: string[] = [];
  let lastId: string | undefined;

  const line = (text: string): void => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: eventType === '' ? 'message' : eventType, data: data.join('\n'), id: lastId });
      eventType = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id' && !value.includes('\0')) lastId = value;
  };

  const consume = (text: string): void => {
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (skipLeadingLf && text.length > 0) {
      skipLeadingLf = false;
      if (text[0] === '\n') text = text.slice(1);
    }
    pending += text;
    let start = 0;
    for (let i = 0; i < pending.length; i++) {
      const c = pending[i];
      if (c !== '\n' && c !== '\r') continue;
      line(pending.slice(start, i));
      if (c === '\r') {
        if (i + 1 < pending.length) {
          if (pending[i + 1] === '\n') i++;
        } else {
          skipLeadingLf = true;
        }
      }
      start = i + 1;
    }
    pending = pending.slice(start);
  };

  return {
    push(chunk) {
      consume(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    },
    end() {
      consume(decoder.decode());
      pending = '';
      data = [];
      eventType = '';
    },
  };
}
