// The chat center console for counselors and supervisors: status, offers, every held chat with
// typing, read receipts, internal notes, canned responses ("/"), the language assistant, closing,
// transfer and ending because of abuse; flagged messages stay blurred until shown. A chat whose
// client wrote of suicide or self-harm carries a risk badge, the message is highlighted, and the
// risk check is one click away; a high-risk chat nobody took sounds an alert on every console,
// with a button to take it. Supervisors also see the queue and counselors live, assign by hand,
// watch silently and whisper.
"use strict";
(function () {
  const root = document.getElementById("center");
  if (!root) return;
  // "state-queued" reads data-t-state-queued (dataset key tStateQueued).
  const t = (key) => {
    const camel = key.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    return root.dataset["t" + camel.charAt(0).toUpperCase() + camel.slice(1)] || key;
  };
  const supervisor = root.dataset.supervisor === "true";
  const canned = JSON.parse(root.dataset.canned || "[]");
  const topics = JSON.parse(root.dataset.topics || "{}");
  const me = root.dataset.me;
  let myId = null;
  const conn = document.getElementById("center-conn");
  const chats = document.getElementById("chats");
  const offers = document.getElementById("offers");
  const alerts = document.getElementById("alerts");
  const template = document.getElementById("chat-template");
  const panes = new Map();
  let ws = null;
  let backoff = 1000;
  let agents = [];
  const newId = () => Math.random().toString(36).slice(2) + Date.now().toString(36);
  const out = (m) => { if (ws && ws.readyState === 1) ws.send(JSON.stringify(m)); };
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  function setStatus(status, until) {
    const badge = document.getElementById("my-status");
    const button = root.querySelector(`[data-status="${status}"]`);
    badge.textContent = button ? button.textContent : status;
    badge.dataset.status = status;
    document.getElementById("my-until").textContent = until ? "→ " + new Date(until * 1000).toLocaleTimeString() : "";
  }

  // One conversation at a time in the middle; the list on the side shows every one with its risk
  // and unread messages, and picks which is shown.
  const list = document.getElementById("chat-list");
  const empty = document.getElementById("chats-empty");
  let selected = null;
  function select(id) {
    selected = panes.has(id) ? id : null;
    for (const [pid, p] of panes) {
      p.node.hidden = pid !== selected;
      if (p.item) {
        p.item.querySelector("button").setAttribute("aria-current", String(pid === selected));
        if (pid === selected) { p.unread = 0; p.item.querySelector(".unread").textContent = ""; }
      }
    }
    empty.hidden = panes.size > 0;
  }
  function selectNext(step) {
    const ids = [...list.querySelectorAll("li")].map((li) => li.dataset.chat).filter((id) => panes.has(id));
    if (!ids.length) return;
    const at = ids.indexOf(selected);
    select(ids[(at + step + ids.length) % ids.length]);
    const p = panes.get(selected);
    if (p) p.node.querySelector("textarea").focus();
  }
  function dropPane(id) {
    const p = panes.get(id);
    if (!p) return;
    p.node.remove();
    if (p.item) p.item.remove();
    panes.delete(id);
    if (selected === id) select(panes.keys().next().value);
    empty.hidden = panes.size > 0;
  }
  document.addEventListener("keydown", (e) => {
    if (!e.altKey) return;
    if (e.key === "ArrowDown") { e.preventDefault(); selectNext(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); selectNext(-1); }
    else if (e.key === "a" || e.key === "A") {
      const b = document.querySelector("#offers .offer button");
      if (b) { e.preventDefault(); b.click(); }
    }
  });

  function pane(info) {
    let p = panes.get(info.id);
    if (!p) {
      const node = template.content.firstElementChild.cloneNode(true);
      node.dataset.chat = info.id;
      p = { node, log: node.querySelector(".chat-log"), seen: new Set(), info, unread: 0 };
      panes.set(info.id, p);
      chats.prepend(node);
      const li = el("li");
      li.dataset.chat = info.id;
      const b = el("button", "link");
      b.type = "button";
      b.append(el("span", "name", info.nickname), " ", el("span", "risk-badge", ""), " ", el("span", "tag unread", ""));
      b.querySelector(".risk-badge").hidden = true;
      b.addEventListener("click", () => select(info.id));
      li.append(b);
      list.prepend(li);
      p.item = li;
      wire(p);
      // A new conversation comes to the front.
      select(info.id);
    }
    p.info = info;
    p.node.querySelector(".chat-title").textContent = info.nickname;
    if (p.item) {
      p.item.querySelector(".name").textContent = info.nickname;
      const badge = p.item.querySelector(".risk-badge");
      badge.hidden = !info.risk;
      if (info.risk) { badge.dataset.level = info.risk; badge.textContent = t(info.risk === "high" ? "riskHigh" : "riskConcern"); }
    }
    const meta = [topics[info.topic] || info.topic, info.language === "ko" ? "한국어" : "English"];
    p.node.querySelector(".chat-meta").textContent = meta.join(" · ");
    showRisk(p, info.risk, info.crisis_event);
    if (info.client && !p.node.querySelector(".record-link")) {
      const a = el("a", "record-link", t("record"));
      a.href = `/clients/${info.client}`;
      p.node.querySelector(".chat-meta").after(a);
    }
    return p;
  }

  function showRisk(p, level, event) {
    if (!level) return;
    const box = p.node.querySelector(".chat-risk");
    box.hidden = false;
    p.node.classList.add("risk-" + level);
    const badge = box.querySelector(".risk-badge");
    badge.textContent = t(level === "high" ? "riskHigh" : "riskConcern");
    badge.dataset.level = level;
    if (event) {
      const a = box.querySelector(".crisis-check");
      a.textContent = t("crisisCheck");
      a.href = `/center/crisis/${event}`;
      a.target = "_blank";
    }
  }

  // A short two-tone sound (no file to load): the banner is the message, the sound calls attention.
  function chime() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      [880, 660].forEach((f, i) => {
        const o = ctx.createOscillator();
        const g = ctx.createGain();
        o.frequency.value = f;
        g.gain.value = 0.15;
        o.connect(g).connect(ctx.destination);
        o.start(ctx.currentTime + i * 0.25);
        o.stop(ctx.currentTime + i * 0.25 + 0.2);
      });
    } catch (_) { /* no audio: the banner remains */ }
  }

  function crisisBanner(info, take) {
    const box = document.getElementById("crisis-alerts");
    const shown = box.querySelector(`[data-chat="${info.id}"]`);
    // An alert replaces the earlier notice of the same chat; a notice never replaces an alert.
    if (shown && (!take || shown.classList.contains("taking"))) return;
    if (shown) shown.remove();
    const card = el("div", "card crisis-banner" + (take ? " taking" : ""));
    card.dataset.chat = info.id;
    card.append(el("p", "", `${take ? t("crisisAlert") : t(info.risk === "high" ? "riskHigh" : "riskConcern")} · ${info.nickname} · ${topics[info.topic] || info.topic}`));
    if (take && !supervisor) {
      const b = el("button", "danger", t("crisisTake"));
      b.type = "button";
      b.addEventListener("click", () => out({ type: "take_crisis", chat: info.id }));
      card.append(b);
    }
    if (info.crisis_event) {
      const a = el("a", "", t("crisisCheck"));
      a.href = `/center/crisis/${info.crisis_event}`;
      a.target = "_blank";
      card.append(" ", a);
    }
    box.append(card);
  }

  function addLine(m) {
    const p = panes.get(m.chat);
    if (!p || p.seen.has(m.seq)) return;
    p.seen.add(m.seq);
    const li = el("li", m.kind);
    li.dataset.seq = m.seq;
    const head = el("span", "hint", (m.kind === "note" ? t("note") + " · " : m.kind === "whisper" ? t("whisper") + " · " : "") + m.name);
    const body = el("div", "text", m.file ? "" : m.text);
    if (m.file) {
      const a = el("a", "", "📎 " + m.text);
      a.href = `/chat/${m.chat}/files/${m.file}`;
      body.append(a);
    }
    li.append(head, body);
    if (m.crisis) {
      li.classList.add("crisis", "crisis-" + m.crisis);
      li.append(el("p", "crisis-mark", t("crisisMarked")));
    }
    if (m.flag) {
      li.classList.add("flagged");
      const show = el("button", "secondary small show-flagged", t("show"));
      show.type = "button";
      show.addEventListener("click", () => { li.classList.remove("flagged"); show.remove(); });
      li.append(show);
    }
    p.log.appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    if (m.kind === "client" && p.item && selected !== m.chat) {
      p.unread += 1;
      p.item.querySelector(".unread").textContent = String(p.unread);
    }
    if (m.kind === "client" && p.info.status === "active" && p.info.counselor_id === myId) out({ type: "read", chat: m.chat, seq: m.seq });
  }

  function wire(p) {
    const id = () => p.info.id;
    const form = p.node.querySelector(".chat-form");
    const area = form.querySelector("textarea");
    const as = form.querySelector(".send-as");
    const list = p.node.querySelector(".canned-list");
    const advice = p.node.querySelector(".advice");
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = area.value.trim();
      if (!text) return;
      out({ type: as.value, chat: id(), id: newId(), text });
      area.value = "";
      advice.textContent = "";
      list.hidden = true;
    });
    let adviseTimer = null;
    let typingOn = false;
    area.addEventListener("input", () => {
      const v = area.value;
      if (v.startsWith("/")) {
        const q = v.slice(1).toLowerCase();
        list.textContent = "";
        canned.filter((c) => c.shortcut.toLowerCase().startsWith(q)).slice(0, 8).forEach((c) => {
          const li = el("li");
          const b = el("button", "link", `/${c.shortcut} — ${c.body.slice(0, 60)}`);
          b.type = "button";
          b.addEventListener("click", () => {
            area.value = c.body.replaceAll("{client}", p.info.nickname).replaceAll("{counselor}", me);
            list.hidden = true;
            area.focus();
          });
          li.append(b);
          list.append(li);
        });
        list.hidden = list.children.length === 0;
      } else {
        list.hidden = true;
      }
      if (!typingOn && as.value === "say") { out({ type: "typing", chat: id(), on: true }); typingOn = true; }
      clearTimeout(adviseTimer);
      adviseTimer = setTimeout(() => {
        if (as.value === "say" && area.value.trim()) out({ type: "advise", text: area.value });
        if (typingOn) { out({ type: "typing", chat: id(), on: false }); typingOn = false; }
      }, 800);
    });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        const first = list.hidden ? null : list.querySelector("button");
        if (first) first.click(); else form.requestSubmit();
      }
    });
    area.addEventListener("focus", () => { lastFocused = p; });
    const fileInput = p.node.querySelector(".chat-file");
    fileInput.addEventListener("change", async () => {
      const file = fileInput.files[0];
      if (!file) return;
      const body = new FormData();
      body.append("file", file, file.name);
      try {
        const r = await fetch(`/center/chats/${id()}/files`, { method: "POST", body, headers: { "X-CSRF-Token": root.dataset.csrf } });
        if (!r.ok) conn.textContent = t("fileFailed");
      } catch (_) { conn.textContent = t("fileFailed"); }
      fileInput.value = "";
    });
    p.node.querySelector(".close-chat").addEventListener("click", () =>
      out({ type: "close", chat: id(), category: p.node.querySelector(".close-category").value }));
    p.node.querySelector(".end-abuse").addEventListener("click", () => out({ type: "end_abuse", chat: id() }));
    p.node.querySelector(".transfer").addEventListener("click", () => {
      const to = p.node.querySelector(".transfer-to").value || null;
      out({ type: "transfer", chat: id(), to, note: p.node.querySelector(".transfer-note").value });
    });
  }
  let lastFocused = null;

  function closePane(chat, category) {
    const p = panes.get(chat);
    if (!p) return;
    p.node.classList.add("closed");
    p.node.querySelector(".chat-typing").hidden = true;
    p.node.querySelectorAll("textarea, button, select, input").forEach((e) => { if (!e.classList.contains("show-flagged")) e.disabled = true; });
    const a = el("a", "", `${t("closed")} · ${t("transcript")}`);
    a.href = `/center/chats/${chat}`;
    p.node.querySelector(".chat-title").after(a);
    void category;
  }

  function offer(info) {
    const card = el("div", "card offer" + (info.risk ? " risk-" + info.risk : ""));
    card.dataset.chat = info.id;
    card.append(el("p", "", `${info.risk ? t(info.risk === "high" ? "riskHigh" : "riskConcern") + " · " : ""}${t("offer")}: ${info.nickname} · ${topics[info.topic] || info.topic} · ${t("lang-" + info.language)}`));
    if (info.risk === "high") chime();
    const b = el("button", "", t("accept"));
    b.type = "button";
    b.addEventListener("click", () => out({ type: "accept", chat: info.id }));
    card.append(b);
    offers.append(card);
  }

  function queue(m) {
    agents = m.agents;
    const q = document.getElementById("queue");
    q.textContent = "";
    const ul = el("ul");
    m.waiting.concat(m.active).forEach((c) => {
      const li = el("li", c.risk ? "risk-" + c.risk : "", `${c.risk ? t(c.risk === "high" ? "riskHigh" : "riskConcern") + " · " : ""}${c.nickname} · ${topics[c.topic] || c.topic} · ${t("lang-" + c.language)} · ${t("state-" + c.status)}${c.counselor ? " · " + c.counselor : ""}${c.flagged ? " · ⚠" + c.flagged : ""} `);
      if (c.status !== "active") {
        const sel = el("select");
        sel.setAttribute("aria-label", t("assign"));
        agents.forEach((a) => { const o = el("option", "", a.name); o.value = a.id; sel.append(o); });
        const b = el("button", "secondary small", "→");
        b.type = "button";
        b.addEventListener("click", () => out({ type: "assign", chat: c.id, to: sel.value }));
        li.append(sel, b);
      } else if (!panes.has(c.id)) {
        const w = el("button", "secondary small", t("watch"));
        w.type = "button";
        w.addEventListener("click", () => out({ type: "watch", chat: c.id }));
        li.append(w);
      }
      ul.append(li);
    });
    q.append(ul);
    const a = document.getElementById("agents");
    a.textContent = "";
    const al = el("ul");
    agents.forEach((x) => {
      const li = el("li", "", `${x.name} · ${t("agent-" + x.status)} · ${x.active}/${x.capacity} `);
      // A recovery break holds until it ends; a supervisor may end it early.
      if (x.status === "break" && x.until) {
        const b = el("button", "secondary small", t("endBreak"));
        b.type = "button";
        b.addEventListener("click", () => out({ type: "end_break", user: x.id }));
        li.append(b);
      }
      al.append(li);
    });
    a.append(al);
  }

  function show(m) {
    switch (m.type) {
      case "welcome": {
        conn.textContent = "";
        myId = m.you;
        // After a reconnect: offers and panes are rebuilt from what the server says now.
        offers.textContent = "";
        const now = new Set(m.chats.map((c) => c.id));
        for (const [id, p] of panes) {
          if (!now.has(id) && !p.node.classList.contains("closed")) dropPane(id);
        }
        setStatus(m.status, m.until);
        m.chats.forEach((c) => (c.status === "offered" ? offer(c) : pane(c)));
        break;
      }
      case "status": setStatus(m.status, m.until); break;
      case "offer": offer(m.chat); break;
      case "chat": {
        const card = offers.querySelector(`[data-chat="${m.chat.id}"]`);
        if (card) card.remove();
        const banner = document.querySelector(`#crisis-alerts [data-chat="${m.chat.id}"]`);
        if (banner) banner.remove();
        pane(m.chat);
        break;
      }
      case "gone": {
        const card = offers.querySelector(`[data-chat="${m.chat}"]`);
        if (card) card.remove();
        const p = panes.get(m.chat);
        if (p) dropPane(m.chat);
        break;
      }
      case "message": addLine(m); break;
      case "typing": { const p = panes.get(m.chat); if (p) p.node.querySelector(".chat-typing").hidden = !m.on; break; }
      case "read": {
        const p = panes.get(m.chat);
        if (p) p.log.querySelectorAll("li.counselor").forEach((li) => { if (Number(li.dataset.seq) <= m.seq) li.dataset.read = t("read"); });
        break;
      }
      case "flagged": {
        const p = panes.get(m.chat);
        if (!p) break;
        const note = el("p", "notice flagged-step", t(m.step.replace(/_(.)/g, (_, c) => c.toUpperCase())) + (m.end_now ? " " + t("endNow") : ""));
        p.log.after(note);
        if (m.end_now) p.node.querySelector(".end-abuse").classList.add("emphasis");
        break;
      }
      case "closed": {
        closePane(m.chat, m.category);
        const b = document.querySelector(`#crisis-alerts [data-chat="${m.chat}"]`);
        if (b) b.remove();
        break;
      }
      case "crisis": {
        const p = panes.get(m.chat.id);
        if (p) {
          showRisk(p, m.chat.risk, m.event);
          const li = p.log.querySelector(`li[data-seq="${m.seq}"]`);
          if (li && !li.classList.contains("crisis")) { li.classList.add("crisis", "crisis-" + m.level); li.append(el("p", "crisis-mark", t("crisisMarked"))); }
        } else {
          crisisBanner(m.chat, false);
        }
        if (m.level === "high") chime();
        break;
      }
      case "crisis_alert": crisisBanner(m.chat, true); chime(); break;
      case "queue": if (supervisor) queue(m); break;
      case "alert": alerts.append(el("p", "notice", `${t("alert")} ${m.counselor} · ${m.category}`)); break;
      case "advice": {
        const p = lastFocused;
        if (!p) break;
        const ul = p.node.querySelector(".advice");
        ul.textContent = "";
        m.items.forEach((s) => ul.append(el("li", "", s)));
        break;
      }
      case "error": conn.textContent = m.message; break;
    }
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/center/ws`);
    ws.onopen = () => { backoff = 1000; ws.send(JSON.stringify({ type: "hello" })); };
    ws.onmessage = (e) => show(JSON.parse(e.data));
    ws.onclose = (e) => {
      // 4001: the session behind this page ended (signed out elsewhere, deactivated).
      if (e.code === 4001) { location.reload(); return; }
      conn.textContent = t("reconnecting");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    };
  }
  root.querySelectorAll("[data-status]").forEach((b) => b.addEventListener("click", () => out({ type: "status", status: b.dataset.status })));
  document.getElementById("more-break").addEventListener("click", () => out({ type: "more_break" }));
  connect();
})();
