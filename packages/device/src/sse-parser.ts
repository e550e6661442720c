/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `event:` field, or 'message' when none was given. */
  readonly type: string;
  readonly data: string;
  /** The last event ID in force when this event was dispatched (may come from an earlier event). */
  readonly lastEventId: string;
}

/** What the parser reports: events, comments (heartbeats) and `retry:` reconnection times. */
export type SseItem =
  | { readonly kind: 'event'; readonly event: SseEvent }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'retry'; readonly ms: number };

/**
 * An incremental parser for `text/event-stream` as the HTML Living Standard §9.2.6 defines it:
 * UTF-8 with an optional BOM, lines ended by CRLF, LF or CR (a CRLF may be split across chunks),
 * `field: value` lines, comments, multi-line `data`, and the event dispatched at a blank line.
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  #pending = '';
  #skipLf = false;
  #data = '';
  #type = '';
  #idBuffer = '';
  #lastEventId = '';

  /** The last event ID of a dispatched event: what to send back as `Last-Event-ID` on reconnection. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Feeds a chunk of the body; returns what it completed. */
  push(chunk: Uint8Array | string): SseItem[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    return this.#lines(text);
  }

  /** The stream ended: an unterminated line and an undispatched event are discarded (§9.2.6). */
  end(): void {
    this.#decoder.decode();
    this.#pending = '';
    this.#skipLf = false;
    this.#data = '';
    this.#type = '';
    this.#idBuffer = this.#lastEventId;
  }

  #lines(text: string): SseItem[] {
    const items: SseItem[] = [];
    let buffer = this.#pending + text;
    if (this.#skipLf && buffer.startsWith('\n')) buffer = buffer.slice(1);
    this.#skipLf = false;
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.#line(buffer.slice(start, i), items);
      if (c === 0x0d) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.#skipLf = true;
        }
      }
      start = i + 1;
    }
    this.#pending = buffer.slice(start);
    return items;
  }

  #line(line: string, items: SseItem[]): void {
    if (line === '') {
      this.#dispatch(items);
      return;
    }
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    switch (field) {
      case 'event':
        this.#type = value;
        break;
      case 'data':
        this.#data += `${value}\n`;
        break;
      case 'id':
        if (!value.includes('\0')) this.#idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) items.push({ kind: 'retry', ms: Number(value) });
        break;
      default:
        // Unknown fields are ignored (§9.2.6).
        break;
    }
  }

  #dispatch(items: SseItem[]): void {
    this.#lastEventId = this.#idBuffer;
    if (this.#data === '') {
      this.#type = '';
      return;
    }
    const data = this.#data.endsWith('\n') ? this.#data.slice(0, -1) : this.#data;
    items.push({
      kind: 'event',
      event: {
        type: this.#type === '' ? 'message' : this.#type,
        data,
        lastEventId: this.#lastEventId,
      },
    });
    this.#data = '';
    this.#type = '';
  }
}
