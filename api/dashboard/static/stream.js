// The live stream: Server-Sent Events read with fetch(), because EventSource cannot send the
// Authorization header (and a token in the URL would land in access logs).
//
// States reported to onState: "connecting", "live" (a snapshot arrived), "lost" (with the
// reason and when the next attempt is due). Reconnects by itself with exponential backoff
// and jitter; a 401 stops it and calls onUnauthorized.

import {authorization} from "./api.js";

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 10000;
const SILENCE_MS = 25000; // the server sends something at least every 10 s

export class LiveStream {
  #url;
  #handlers;
  #controller = null;
  #retryTimer = null;
  #watchdog = null;
  #failures = 0;
  #stopped = true;

  constructor(url, {onSnapshot, onState, onUnauthorized}) {
    this.#url = url;
    this.#handlers = {onSnapshot, onState, onUnauthorized};
  }

  start() {
    this.#stopped = false;
    this.#failures = 0;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#watchdog);
    this.#controller?.abort();
  }

  /** Try at once instead of waiting for the backoff. */
  reconnectNow() {
    if (this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#controller?.abort();
    this.#connect();
  }

  async #connect() {
    const controller = new AbortController();
    this.#controller = controller;
    this.#handlers.onState("connecting");
    this.#arm(controller); // a server that accepts but never answers counts as lost too
    let response;
    try {
      response = await fetch(this.#url, {
        headers: {...authorization(), Accept: "text/event-stream"},
        cache: "no-store",
        signal: controller.signal,
      });
    } catch {
      if (this.#controller === controller && !this.#stopped) {
        this.#lost(controller.signal.aborted ? "no answer in time" : "the API cannot be reached");
      }
      return;
    }
    clearTimeout(this.#watchdog);
    if (response.status === 401) {
      this.stop();
      this.#handlers.onUnauthorized();
      return;
    }
    if (!response.ok || !response.body) {
      this.#lost(`the API answered HTTP ${response.status}`);
      return;
    }
    const ending = await this.#read(response.body, controller);
    if (this.#controller !== controller || this.#stopped) return; // replaced or stopped meanwhile
    if (ending === "renew") this.#connect(); // the server ends long streams; carry on at once
    else this.#lost(ending);
  }

  /** Read events until the stream ends; returns "renew" or the reason it was lost. */
  async #read(body, controller) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    this.#arm(controller);
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) return "the stream was closed by the server";
        this.#arm(controller);
        buffer += value.replaceAll("\r\n", "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const event = parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.type === "renew") return "renew";
          if (event.type === "snapshot") this.#deliver(event.data);
        }
      }
    } catch {
      return controller.signal.aborted ? "no data for too long" : "the connection dropped";
    } finally {
      clearTimeout(this.#watchdog);
    }
  }

  #deliver(data) {
    let snapshot;
    try {
      snapshot = JSON.parse(data);
    } catch {
      return; // a broken frame: the next one comes in a few seconds
    }
    this.#failures = 0;
    this.#handlers.onState("live");
    this.#handlers.onSnapshot(snapshot);
  }

  #arm(controller) {
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => controller.abort(), SILENCE_MS);
  }

  #lost(reason) {
    if (this.#stopped) return;
    const backoff = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.#failures);
    const delay = Math.round(backoff * (0.8 + Math.random() * 0.4));
    this.#failures += 1;
    this.#handlers.onState("lost", {reason, retryAt: Date.now() + delay});
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }
}

/** One SSE block: {type, data}; comment lines (keep-alives) are skipped. */
function parse(block) {
  let type = "message";
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  return {type, data: data.join("\n")};
}
