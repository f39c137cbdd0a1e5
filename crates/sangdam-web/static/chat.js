// A client's live chat: the queue's place and wait, messages both ways, typing and read
// receipts, the transcript by email, leaving. Reconnects by itself (1, 2, 4, 8 s) and catches up
// from the last message it has; unacknowledged messages are sent again with their own ids, which
// the server recognizes.
"use strict";
(function () {
  const root = document.getElementById("chat");
  if (!root) return;
  const t = (key) => root.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const id = root.dataset.chat;
  const status = document.getElementById("chat-status");
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const text = document.getElementById("chat-text");
  const typing = document.getElementById("chat-typing");
  const nobody = document.getElementById("chat-nobody");
  let ws = null;
  let lastSeq = 0;
  let backoff = 1000;
  let ended = false;
  let readUpTo = 0;
  const pending = new Map();
  const seen = new Set();
  const newId = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
  const out = (m) => { if (ws && ws.readyState === 1) ws.send(JSON.stringify(m)); };

  function add(m) {
    if (seen.has(m.seq)) return;
    seen.add(m.seq);
    lastSeq = Math.max(lastSeq, m.seq);
    const li = document.createElement("li");
    li.className = m.kind;
    li.dataset.seq = m.seq;
    const who = document.createElement("span");
    who.className = "hint";
    who.textContent = m.kind === "system" ? "" : m.name;
    const body = document.createElement("div");
    if (m.file) {
      const a = document.createElement("a");
      a.href = `/chat/${id}/files/${m.file}`;
      a.textContent = "📎 " + m.text;
      body.append(a);
    } else {
      body.textContent = m.text;
    }
    li.append(who, body);
    const mine = pending.get(m.id);
    if (mine) { mine.remove(); pending.delete(m.id); }
    log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    if (m.kind !== "client" && document.visibilityState === "visible") {
      out({ type: "read", seq: m.seq });
    }
  }

  function markRead(seq) {
    readUpTo = Math.max(readUpTo, seq);
    log.querySelectorAll("li.client").forEach((li) => {
      if (Number(li.dataset.seq) <= readUpTo) li.dataset.read = t("read");
    });
  }

  function show(m) {
    switch (m.type) {
      case "state":
        if (m.status === "queued") {
          let s = m.position ? t("queued").replace("{position}", m.position) : "";
          if (m.wait_seconds) s += " " + t("wait").replace("{minutes}", Math.max(1, Math.round(m.wait_seconds / 60)));
          status.textContent = s;
        } else if (m.status === "offered") {
          status.textContent = t("offered");
        } else if (m.status === "active") {
          status.textContent = t("active").replace("{counselor}", m.counselor || "");
        }
        nobody.hidden = !m.nobody;
        // Nobody can answer: a place in line and a wait would promise what will not come.
        status.hidden = Boolean(m.nobody) && m.status === "queued";
        break;
      case "message": add(m); break;
      case "ack": break;
      case "typing": typing.hidden = !m.on; break;
      case "read": markRead(m.seq); break;
      case "ended":
        ended = true;
        typing.hidden = true;
        status.textContent = m.category === "abuse" ? t("endedAbuse") : t("ended");
        form.querySelectorAll("textarea, button").forEach((e) => { e.disabled = true; });
        document.getElementById("chat-leave").disabled = true;
        document.getElementById("chat-file").disabled = true;
        break;
      case "care": {
        // The crisis lines, at once and on every reconnect while the chat is open.
        const box = document.getElementById("chat-care");
        document.getElementById("chat-care-title").textContent = m.title;
        document.getElementById("chat-care-body").textContent = m.body;
        const ul = document.getElementById("chat-care-lines");
        ul.textContent = "";
        m.lines.forEach((l) => { const li = document.createElement("li"); li.textContent = l; ul.append(li); });
        const nb = document.getElementById("chat-care-nobody");
        nb.textContent = m.nobody || "";
        nb.hidden = !m.nobody;
        const first = box.hidden;
        box.hidden = false;
        if (first) box.scrollIntoView({ block: "start" });
        break;
      }
      case "transcript_requested":
        document.getElementById("transcript-status").textContent = t("transcriptOk");
        break;
      case "error": status.textContent = m.message; break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/chat/${id}/ws`);
    ws.onopen = () => {
      backoff = 1000;
      ws.send(JSON.stringify({ type: "hello", last_seq: lastSeq }));
      for (const [mid, li] of pending) out({ type: "say", id: mid, text: li.dataset.text });
    };
    ws.onmessage = (e) => show(JSON.parse(e.data));
    ws.onclose = (e) => {
      // 4001: the session behind this page ended (signed out elsewhere, deactivated).
      if (e.code === 4001) { location.reload(); return; }
      if (ended) return;
      status.textContent = t("reconnecting");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const value = text.value.trim();
    if (!value) return;
    const mid = newId();
    const li = document.createElement("li");
    li.className = "client pending";
    li.dataset.text = value;
    li.textContent = value;
    log.appendChild(li);
    pending.set(mid, li);
    out({ type: "say", id: mid, text: value });
    text.value = "";
    out({ type: "typing", on: false });
  });
  let typingSent = false;
  let typingTimer = null;
  text.addEventListener("input", () => {
    if (!typingSent) { out({ type: "typing", on: true }); typingSent = true; }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { out({ type: "typing", on: false }); typingSent = false; }, 3000);
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  const fileInput = document.getElementById("chat-file");
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const r = await fetch(`/chat/${id}/files`, { method: "POST", body, headers: { "X-CSRF-Token": root.dataset.csrf } });
      if (!r.ok) status.textContent = t("fileFailed");
    } catch (_) { status.textContent = t("fileFailed"); }
    fileInput.value = "";
  });
  document.getElementById("chat-leave").addEventListener("click", () => out({ type: "leave" }));
  document.getElementById("transcript-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const email = document.getElementById("transcript-email");
    out({ type: "transcript", email: email ? email.value : null });
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && lastSeq) out({ type: "read", seq: lastSeq });
  });
  connect();
})();
