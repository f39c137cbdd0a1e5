// The session room in the browser: the signaling WebSocket, the waiting room, presence, the chat
// and the timer; media.js does the audio and video over the same socket. Reconnects by itself (1, 2, 4, 8 s) and catches up on missed chat; unacknowledged
// messages are sent again with their own ids, which the server recognizes.
"use strict";
(function () {
  const root = document.getElementById("room");
  if (!root) return;
  const t = (key) => root.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const id = root.dataset.room;
  const isHost = root.dataset.host === "true";
  const status = document.getElementById("room-status");
  const people = document.getElementById("room-people");
  const knocks = document.getElementById("room-knocks");
  const log = document.getElementById("room-chat");
  const form = document.getElementById("room-chat-form");
  const text = document.getElementById("room-chat-text");
  const send = document.getElementById("room-chat-send");
  const timer = document.getElementById("room-timer");
  const endButton = document.getElementById("room-end");
  const waitingCheck = document.getElementById("waiting-check");
  const files = document.getElementById("room-files");
  const fileInput = document.getElementById("room-file");

  // The side panels (chat, participants, whiteboard, files): one shown at a time, beside the
  // video on a desktop. On a phone the video fills the screen and a panel is a sheet over it,
  // opened by its tab and closed by its close button, the tab again, or Escape. A host starts on
  // the participants (knocks); on a phone nothing covers the video until asked.
  const tabs = [...document.querySelectorAll(".panel-tabs [role=tab]")];
  const phone = window.matchMedia("(max-width: 40rem)");
  const panelOf = (tab) => document.getElementById(tab.getAttribute("aria-controls"));
  let chosen = null;
  function showPanel(tab, focus) {
    chosen = tab;
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.classList.toggle("secondary", !on);
      panelOf(t).hidden = !on;
    }
    if (tab) tab.classList.remove("unread");
    root.classList.toggle("sheet-open", Boolean(tab) && phone.matches);
    if (tab && focus && phone.matches) panelOf(tab).querySelector(".sheet-close").focus();
  }
  const defaultTab = () => document.getElementById(root.dataset.host === "true" ? "tab-people" : "tab-chat");
  for (const t of tabs) {
    t.addEventListener("click", () => {
      // On a phone the open sheet's tab closes it.
      if (phone.matches && chosen === t) { showPanel(null); t.focus(); } else showPanel(t, true);
    });
  }
  for (const b of document.querySelectorAll(".sheet-close")) {
    b.addEventListener("click", () => { const was = chosen; showPanel(null); if (was) was.focus(); });
  }
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && phone.matches && chosen) { const was = chosen; showPanel(null); was.focus(); }
  });
  if (tabs.length) showPanel(phone.matches ? null : defaultTab());
  // From a phone to a desktop width (a turned tablet) one panel is always open.
  phone.addEventListener("change", () => showPanel(phone.matches ? null : chosen || defaultTab()));
  // A knock opens the participants, where the host admits.
  new MutationObserver(() => { if (document.querySelector("#room-knocks > *")) showPanel(document.getElementById("tab-people")); })
    .observe(document.getElementById("room-knocks"), { childList: true });
  // A chat message while the chat is not shown marks its tab.
  const markUnread = () => { const tab = document.getElementById("tab-chat"); if (tab && chosen !== tab) tab.classList.add("unread"); };
  const full = document.getElementById("call-full");
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", () => {
      if (document.fullscreenElement) document.exitFullscreen(); else root.requestFullscreen().catch(() => {});
    });
  }

  // The whiteboard: coordinates are fractions of the board, so every screen shows the same.
  const board = document.getElementById("board");
  const pen = board.getContext("2d");
  const items = [];
  let mode = "pen";
  let stroke = null;
  function drawItem(it) {
    const w = board.width, h = board.height;
    pen.strokeStyle = it.color; pen.fillStyle = it.color;
    if (it.kind === "stroke") {
      pen.lineWidth = it.width; pen.lineCap = "round"; pen.lineJoin = "round";
      pen.beginPath();
      it.points.forEach(([x, y], i) => (i ? pen.lineTo(x * w, y * h) : pen.moveTo(x * w, y * h)));
      if (it.points.length === 1) pen.lineTo(it.points[0][0] * w + 0.1, it.points[0][1] * h);
      pen.stroke();
    } else {
      pen.font = "20px sans-serif";
      pen.fillText(it.text, it.x * w, it.y * h);
    }
  }
  function redraw() { pen.clearRect(0, 0, board.width, board.height); items.forEach(drawItem); }
  function addItem(it) { items.push(it); drawItem(it); }
  function at(e) {
    const r = board.getBoundingClientRect();
    const c = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
    return [c((e.clientX - r.left) / r.width), c((e.clientY - r.top) / r.height)];
  }
  function sendStroke(points) {
    const it = { kind: "stroke", id: newId(), color: document.getElementById("board-color").value, width: 3, points };
    addItem(it);
    out({ type: "board", item: it });
  }
  board.addEventListener("pointerdown", (e) => {
    if (board.dataset.enabled !== "true") return;
    if (mode === "text") {
      const [x, y] = at(e);
      const value = (window.prompt(t("textPrompt")) || "").trim().slice(0, 200);
      if (value) {
        const it = { kind: "text", id: newId(), color: document.getElementById("board-color").value, x, y, text: value };
        addItem(it);
        out({ type: "board", item: it });
      }
      return;
    }
    stroke = [at(e)];
    try { board.setPointerCapture(e.pointerId); } catch (_) { /* a pointer the browser no longer tracks */ }
  });
  board.addEventListener("pointermove", (e) => {
    if (!stroke) return;
    const p = at(e);
    const last = stroke[stroke.length - 1];
    if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 0.002) return;
    stroke.push(p);
    pen.strokeStyle = document.getElementById("board-color").value; pen.lineWidth = 3; pen.lineCap = "round";
    pen.beginPath(); pen.moveTo(last[0] * board.width, last[1] * board.height); pen.lineTo(p[0] * board.width, p[1] * board.height); pen.stroke();
    // Long strokes go out in pieces, each well under the message size limit.
    if (stroke.length >= 500) { const done = stroke; stroke = [p]; sendStroke(done); }
  });
  const finish = () => { if (stroke) { const done = stroke; stroke = null; sendStroke(done); } };
  board.addEventListener("pointerup", finish);
  board.addEventListener("pointercancel", finish);
  for (const [btn, m] of [["board-pen", "pen"], ["board-text", "text"]]) {
    document.getElementById(btn).addEventListener("click", () => {
      mode = m;
      document.getElementById("board-pen").setAttribute("aria-pressed", String(m === "pen"));
      document.getElementById("board-text").setAttribute("aria-pressed", String(m === "text"));
    });
  }
  const clearButton = document.getElementById("board-clear");
  if (clearButton) clearButton.addEventListener("click", () => out({ type: "board_clear" }));

  let ws = null;
  let lastSeq = 0;
  let retry = 0;
  let ended = false;
  let times = null;
  const pending = new Map(); // message id -> text, until acknowledged
  const seen = new Set();

  function say(message) { status.textContent = message; }
  const names = new Map();
  const media = window.sangdamMedia({
    roomId: id,
    send: (m) => out(m),
    t,
    say,
    stage: document.getElementById("media-stage"),
    nameOf: (user) => names.get(user) || "",
  });
  // For the browser tests and for support: media statistics, and a way to drop the connection
  // as a network change would.
  window.sangdamRoom = { stats: () => media.stats(), dropConnection: () => ws && ws.close() };
  function enableChat(on) {
    text.disabled = !on; send.disabled = !on; fileInput.disabled = !on;
    board.dataset.enabled = String(on);
  }
  function addFile(f) {
    if (files.querySelector(`[data-file="${f.id}"]`)) return;
    const li = document.createElement("li");
    li.dataset.file = f.id;
    const a = document.createElement("a");
    a.href = `/rooms/${id}/files/${f.id}`;
    a.textContent = f.name;
    li.append(a, document.createTextNode(` · ${Math.ceil(f.size / 1024)} KB · ${f.from}`));
    files.append(li);
  }
  function newId() {
    const a = new Uint8Array(12);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function out(obj) { if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(obj)); }

  function showPeople(list) {
    people.replaceChildren();
    for (const p of list) addPerson(p);
  }
  function addPerson(p) {
    names.set(p.user, p.name);
    if (people.querySelector(`[data-user="${p.user}"]`)) return;
    const li = document.createElement("li");
    li.dataset.user = p.user;
    const name = document.createElement("span");
    name.textContent = p.host ? `${p.name} (${t("host")})` : p.name;
    const state = document.createElement("span");
    state.className = "media-state hint";
    li.append(name, " ", state);
    people.append(li);
    showMedia(p.user, p.media);
    if (media && p.media) media.handle({ type: "media", user: p.user, media: p.media });
  }
  // The participant list says who is muted, has the camera off or shares a screen.
  function showMedia(user, m) {
    const li = people.querySelector(`[data-user="${user}"]`);
    if (!li || !m) return;
    const parts = [];
    if (!m.audio) parts.push(t("muted"));
    if (!m.video) parts.push(t("cameraIsOff"));
    if (m.screen) parts.push(t("sharing"));
    if (m.quality) parts.push(t("quality" + m.quality.charAt(0).toUpperCase() + m.quality.slice(1)));
    li.querySelector(".media-state").textContent = parts.join(" · ");
    li.dataset.audio = String(m.audio);
    li.dataset.video = String(m.video);
  }
  function knock(user, name) {
    if (knocks.querySelector(`[data-user="${user}"]`)) return;
    const div = document.createElement("div");
    div.className = "notice knock";
    div.dataset.user = user;
    const p = document.createElement("p");
    p.textContent = `${name} ${t("knock")}`;
    const admit = document.createElement("button");
    admit.type = "button";
    admit.className = "small admit";
    admit.textContent = t("admit");
    admit.onclick = () => { out({ type: "admit", user }); div.remove(); };
    const decline = document.createElement("button");
    decline.type = "button";
    decline.className = "secondary small decline";
    decline.textContent = t("decline");
    decline.onclick = () => { out({ type: "decline", user }); div.remove(); };
    div.append(p, admit, " ", decline);
    knocks.append(div);
    try {
      // A short, soft tone so that a counselor looking elsewhere notices.
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      gain.gain.value = 0.05;
      osc.frequency.value = 660;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.25);
    } catch (_) { /* no audio: the notice is enough */ }
  }
  function addChat(m) {
    if (seen.has(m.seq)) return;
    seen.add(m.seq);
    markUnread();
    lastSeq = Math.max(lastSeq, m.seq);
    const li = document.createElement("li");
    li.dataset.seq = m.seq;
    const who = document.createElement("strong");
    who.textContent = m.name + ": ";
    li.append(who, document.createTextNode(m.text));
    if (m.crisis) {
      li.classList.add("crisis", "crisis-" + m.crisis);
      const mark = document.createElement("p");
      mark.className = "crisis-mark";
      mark.textContent = t("crisisMarked");
      li.append(mark);
    }
    log.append(li);
    li.scrollIntoView({ block: "nearest" });
  }
  function tick() {
    if (!times || !times.starts_at) return;
    const now = Date.now() / 1000;
    const mm = (s) => `${Math.floor(Math.max(0, s) / 60)}:${String(Math.floor(Math.max(0, s) % 60)).padStart(2, "0")}`;
    timer.textContent = `${t("elapsed")} ${mm(now - times.starts_at)} · ${t("remaining")} ${mm(times.ends_at - now)}`;
  }
  setInterval(tick, 1000);

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}/rooms/${id}/ws`);
    ws.onopen = () => { retry = 0; ws.send(JSON.stringify({ type: "hello", last_seq: lastSeq })); };
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      switch (m.type) {
        // While waiting: one's own picture and a microphone level, to check both before the call.
        case "waiting": say(t("waiting")); enableChat(false); waitingCheck.hidden = false; media.prepare(); break;
        case "admitted": say(t("admitted")); waitingCheck.hidden = true; media.admitted(); break;
        // Not let in: the camera and microphone that ran for the preview go off at once.
        case "declined": say(t("declined")); ended = true; waitingCheck.hidden = true; enableChat(false); media.stop(); break;
        case "welcome":
          waitingCheck.hidden = true;
          say(t("connected"));
          times = { starts_at: m.starts_at, ends_at: m.ends_at };
          showPeople(m.participants);
          for (const f of m.files || []) addFile(f);
          items.length = 0;
          for (const it of m.board || []) items.push(it);
          redraw();
          enableChat(true);
          for (const [mid, body] of pending) out({ type: "chat", id: mid, text: body });
          media.start();
          break;
        case "knock": if (isHost) knock(m.user, m.name); break;
        case "joined": addPerson(m.person); break;
        case "left": { const li = people.querySelector(`[data-user="${m.user}"]`); if (li) li.remove(); media.handle(m); break; }
        case "media": showMedia(m.user, m.media); media.handle(m); break;
        case "speaking": { const li = people.querySelector(`[data-user="${m.user}"]`); if (li) li.classList.toggle("speaking", m.on); media.handle(m); break; }
        case "rtc_answer": case "rtc_offer": case "rtc_closed": media.handle(m); break;
        case "chat": addChat(m); break;
        case "care": {
          document.getElementById("room-care-title").textContent = m.title;
          document.getElementById("room-care-body").textContent = m.body;
          const ul = document.getElementById("room-care-lines");
          ul.textContent = "";
          m.lines.forEach((l) => { const li = document.createElement("li"); li.textContent = l; ul.append(li); });
          document.getElementById("room-care").hidden = false;
          // The crisis lines are never left behind a closed sheet.
          showPanel(document.getElementById("tab-chat"));
          break;
        }
        case "file": addFile(m.file); break;
        case "board": addItem(m.item); break;
        case "board_cleared": items.length = 0; redraw(); break;
        case "ack": pending.delete(m.id); break;
        case "ended": say(t("ended")); ended = true; enableChat(false); media.stop(); break;
        case "recording_asked": recAsk.hidden = false; recState = "asked"; recId = m.id; break;
        case "recording": showRecording(m.on, m.reason); break;
        case "advice": showAdvice(m.items); break;
        case "error": say(m.message); break;
      }
    };
    ws.onclose = (e) => {
      // 4001: the session behind this page ended (signed out elsewhere, deactivated).
      if (e.code === 4001) { location.reload(); return; }
      if (ended) return;
      enableChat(false);
      say(t("reconnecting"));
      const wait = Math.min(8000, 1000 * 2 ** retry);
      retry += 1;
      setTimeout(connect, wait);
    };
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    const mid = newId();
    pending.set(mid, body);
    out({ type: "chat", id: mid, text: body });
    text.value = "";
    clearTimeout(adviseTimer);
    showAdvice([]);
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });
  // Ending for everyone is asked first; it sits apart from "end because of abuse".
  if (endButton) endButton.addEventListener("click", () => { window.sangdamConfirm(endButton.dataset.confirm).then((ok) => { if (ok) out({ type: "end" }); }); });
  const abuseButton = document.getElementById("room-end-abuse");
  if (abuseButton) {
    abuseButton.addEventListener("click", () => {
      window.sangdamConfirm(abuseButton.dataset.confirm).then((ok) => { if (ok) out({ type: "end_abuse" }); });
    });
  }

  // The language assistant: a host's draft is checked as they pause typing; advice only, it never
  // stops a message.
  const advice = document.getElementById("room-advice");
  let adviseTimer = null;
  function showAdvice(items) {
    if (!advice) return;
    advice.replaceChildren(...items.map((t) => { const li = document.createElement("li"); li.textContent = t; return li; }));
  }
  if (advice) {
    text.addEventListener("input", () => {
      clearTimeout(adviseTimer);
      const draft = text.value;
      if (!draft.trim()) { showAdvice([]); return; }
      adviseTimer = setTimeout(() => out({ type: "advise", text: draft }), 600);
    });
  }

  // Recording with consent: asked of everyone, shown while on, stopped by anyone.
  const recAsk = document.getElementById("rec-ask");
  const recIndicator = document.getElementById("rec-indicator");
  const recPropose = document.getElementById("rec-propose");
  let recState = "off";
  let recId = null;
  function showRecording(on, reason) {
    recState = on ? "on" : "off";
    recAsk.hidden = true;
    recIndicator.hidden = !on;
    if (recPropose) recPropose.disabled = on;
    say(on ? t("recOn") : t("rec" + (reason || "ended").charAt(0).toUpperCase() + (reason || "ended").slice(1)));
  }
  if (recPropose) recPropose.addEventListener("click", () => out({ type: "record_propose" }));
  document.getElementById("rec-agree").addEventListener("click", () => { recAsk.hidden = true; out({ type: "record_consent", agree: true, id: recId }); });
  document.getElementById("rec-refuse").addEventListener("click", () => { recAsk.hidden = true; out({ type: "record_consent", agree: false, id: recId }); });
  document.getElementById("rec-stop").addEventListener("click", () => out({ type: "record_stop" }));
  window.sangdamRoom = Object.assign(window.sangdamRoom || {}, { recording: () => recState });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file, file.name);
    try {
      const r = await fetch(`/rooms/${id}/files`, { method: "POST", body, headers: { "X-CSRF-Token": root.dataset.csrf } });
      if (r.ok) addFile(await r.json()); else say(t("fileFailed"));
    } catch (_) { say(t("fileFailed")); }
    fileInput.value = "";
  });
  connect();
})();
