// The live connection (/ws): chat and pushed notices.  Reconnects with
// backoff; after a reconnect it asks each conversation it follows for
// what came after the last message it saw, so nothing is lost.

export class Live {
  constructor() {
    this.handlers = new Map();
    this.pending = [];
    this.lastSeen = new Map();	// conversation -> last message id
    this.backoff = 500;
    this.ws = null;
    this.closed = false;
  }

  // Returns a function that removes the handler again.
  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, []);
    this.handlers.get(type).push(fn);
    return () => {
      const list = this.handlers.get(type);
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  emit(type, msg) {
    for (const fn of this.handlers.get(type) || []) fn(msg);
  }

  connect() {
    const url = (location.protocol === "https:" ? "wss://" : "ws://") +
      location.host + "/ws";
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 500;
      this.emit("open", {});
      for (const [conversation, after] of this.lastSeen)
        this.send({ type: "history", conversation, after, limit: 100 });
      for (const m of this.pending.splice(0)) ws.send(JSON.stringify(m));
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch { return; }
      if (m.type === "message" && m.message) this.seen(m.message);
      if (m.type === "result" && m.of === "history" && m.data)
        (m.data.messages || []).forEach((x) => this.seen(x));
      this.emit(m.type, m);
    };
    ws.onclose = () => {
      this.emit("close", {});
      if (this.closed) return;
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 15000);
    };
  }

  seen(message) {
    const prev = this.lastSeen.get(message.conversation);
    if (prev !== undefined && message.id > prev)
      this.lastSeen.set(message.conversation, message.id);
  }

  follow(conversation, lastId = 0) {
    const prev = this.lastSeen.get(conversation) || 0;
    this.lastSeen.set(conversation, Math.max(prev, lastId));
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN)
      this.ws.send(JSON.stringify(msg));
    else
      this.pending.push(msg);
  }

  close() {
    this.closed = true;
    if (this.ws) this.ws.close();
  }
}
