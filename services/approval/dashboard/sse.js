// Greenlight dashboard, the event stream's reader: Server-Sent Events read over fetch, every message handed to one
// handler whatever its `event:` name.
//
// Not EventSource: it hands a named message only to the listeners of that name and has none for any name. During a
// rolling upgrade a newer Greenlight's event comes under its own state's name (`event: scanning`, stream_hub.py),
// which no listener of this version's states heard: the page showed nothing of it until reloaded.
// Nor does this reader reconnect by itself: a stream's ticket is single use, so a reconnect of EventSource's own was
// refused anyway; stream.js reopens a dropped stream with a new ticket, from the last id it saw.
"use strict";

const LINE_END = /\r\n|\r(?!$)|\n/; // a lone "\r" at the end of a chunk may be the first half of "\r\n"

class EventStream {
  // onopen(), onmessage({ type, data, lastEventId }), onclose(): each at most once but onmessage, and none after
  // close().
  constructor(url, { onopen, onmessage, onclose }) {
    this.handlers = { onopen, onmessage, onclose };
    this.aborter = new AbortController();
    this.closed = false;
    this.read(url).then(() => this.end(), () => this.end());
  }

  close() {
    this.closed = true;
    this.aborter.abort();
  }

  end() {
    if (this.closed) return;
    this.closed = true;
    this.handlers.onclose();
  }

  async read(url) {
    const response = await fetch(url, { headers: { Accept: "text/event-stream" }, cache: "no-store",
      signal: this.aborter.signal });
    // An answer that is no stream (a refused ticket, 429, 503) ends it, as it fails an EventSource.
    if (!response.ok || !(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) return;
    if (this.closed) return;
    this.handlers.onopen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const message = { type: "", data: [], id: null };
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.closed) return;
      const lines = (rest + value).split(LINE_END);
      rest = lines.pop();
      for (const line of lines) this.field(line, message);
    }
  }

  // One line of the stream, as the HTML standard's "interpret an event stream" reads it.
  field(line, message) {
    if (line === "") {
      if (message.data.length && !this.closed) {
        this.handlers.onmessage({ type: message.type || "message", data: message.data.join("\n"),
          lastEventId: message.id });
      }
      message.type = "";
      message.data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment: the server's pings
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") message.type = value;
    else if (name === "data") message.data.push(value);
    else if (name === "id" && !value.includes("\0")) message.id = value;
  }
}
