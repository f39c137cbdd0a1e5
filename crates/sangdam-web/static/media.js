// The room's audio and video: one RTCPeerConnection to Sangdam's SFU, signaled over the room's
// WebSocket (room.js passes messages in and out). The first offer carries three send-only
// transceivers in a fixed order, microphone, camera, screen, which is how the server tells them
// apart; everything received comes in server offers, one stream per person (and one more for a
// shared screen), named by the person's user id.
//
// Muting, camera off and device changes replace tracks without renegotiating. When the media
// path fails (or the WebSocket came back after a drop) the page joins again with a new
// connection: new ICE, new DTLS, no new admission.
"use strict";
window.sangdamMedia = function (opts) {
  const { roomId, send, t, say, stage, nameOf } = opts;
  const controls = {
    mic: document.getElementById("media-mic"),
    cam: document.getElementById("media-cam"),
    screen: document.getElementById("media-screen"),
    voice: document.getElementById("media-voice"),
    camSelect: document.getElementById("media-camera-select"),
    micSelect: document.getElementById("media-mic-select"),
  };
  const relay = new URLSearchParams(location.search).get("relay") === "1";
  let pc = null;
  let local = new MediaStream();
  let screenStream = null;
  let senders = {};
  let audioOn = true, videoOn = true, voiceOnly = false;
  let chain = Promise.resolve();
  let failTimer = null;
  let admittedAt = 0;
  let joins = 0;
  let firstFrameAt = 0;
  let speaking = false, loudSince = 0, quietSince = 0, meter = null;

  // Signaling steps run one after another, never interleaved.
  const serial = (f) => { chain = chain.then(f).catch((e) => console.warn("media", e)); return chain; };

  function explain(e) {
    switch (e && e.name) {
      case "NotAllowedError": case "SecurityError": return t("mediaDenied");
      case "NotFoundError": case "OverconstrainedError": return t("mediaMissing");
      default: return t("mediaFailed");
    }
  }

  async function capture(kind, deviceId) {
    const c = deviceId ? { deviceId: { exact: deviceId } } : true;
    const constraints = kind === "audio" ? { audio: c } : { video: deviceId ? { deviceId: { exact: deviceId }, ...CAMERA } : CAMERA };
    try {
      return (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
    } catch (e) {
      say(explain(e));
      return null;
    }
  }

  // Who shares a screen now, from the room's media messages.
  const sharing = new Map();

  // The camera's picture, and its layers: their names (what the server sees) and sizes. A
  // browser sends three layers of a 540p picture (a quarter, a half, the whole); of a smaller one
  // (a camera that gives no more) it drops the largest, and the server chooses among the rest.
  const CAMERA = { width: { ideal: 960 }, height: { ideal: 540 } };
  const SIMULCAST = [
    { rid: "q", scaleResolutionDownBy: 4, maxBitrate: 100000, maxFramerate: 15 },
    { rid: "h", scaleResolutionDownBy: 2, maxBitrate: 500000 },
    { rid: "f", maxBitrate: 1500000 },
  ];

  // Connection quality, every 4 s from what the browser measures: the share of packets lost of
  // what arrives, the round trip, the send estimate, and whether anything arrives at all. Each
  // page measures its own and tells the room when it changes; every tile shows its person's.
  const QUALITY_MS = 4000;
  const quality = new Map(); // user ("self" for this page) -> good | weak | poor
  const hint = document.getElementById("quality-hint");
  const toVoice = document.getElementById("quality-voice");
  if (toVoice) toVoice.addEventListener("click", () => { if (!voiceOnly) controls.voice.click(); hint.hidden = true; });
  let qualityTimer = null, lastSample = null, level = null, poorSince = 0, silent = false;
  function badge(fig, lvl) {
    let b = fig.querySelector(".quality");
    if (!b) {
      b = document.createElement("span");
      b.className = "quality";
      fig.append(b);
    }
    b.dataset.level = lvl;
    b.textContent = t("quality" + lvl.charAt(0).toUpperCase() + lvl.slice(1));
  }
  function showQuality(user, lvl) {
    if (!lvl) return;
    quality.set(user, lvl);
    const sel = user === "self" ? '[data-stream="self"]' : `[data-user="${user}"]:not(.screen)`;
    for (const el of stage.querySelectorAll(sel)) badge(el, lvl);
  }
  function judge(loss, rtt, outRate, nothing) {
    if (nothing || loss >= 0.1 || (rtt !== null && rtt >= 0.5) || (outRate !== null && outRate < 100000)) return "poor";
    if (loss >= 0.03 || (rtt !== null && rtt >= 0.25)) return "weak";
    return "good";
  }
  async function measure() {
    if (!pc || pc.connectionState === "closed" || pc.iceConnectionState === "new") return;
    const report = await pc.getStats();
    let lost = 0, got = 0, bytes = 0, rtt = null, outRate = null;
    report.forEach((s) => {
      if (s.type === "inbound-rtp") { lost += Math.max(0, s.packetsLost || 0); got += s.packetsReceived || 0; }
      if (s.type === "transport") {
        bytes += s.bytesReceived || 0;
        const pair = s.selectedCandidatePairId && report.get(s.selectedCandidatePairId);
        if (pair) {
          if (typeof pair.currentRoundTripTime === "number") rtt = pair.currentRoundTripTime;
          if (typeof pair.availableOutgoingBitrate === "number") outRate = pair.availableOutgoingBitrate;
        }
      }
    });
    const prev = lastSample;
    lastSample = { lost, got, bytes };
    if (!prev) return;
    const dl = Math.max(0, lost - prev.lost), dg = Math.max(0, got - prev.got);
    const loss = dl + dg > 0 ? dl / (dl + dg) : 0;
    // The server sends control packets every second even when nobody speaks: nothing at all
    // for 4 s means the media path has stopped.
    const nothing = bytes === prev.bytes;
    if (nothing !== silent) { silent = nothing; say(t(nothing ? "reconnecting" : "connected")); }
    const next = judge(loss, rtt, outRate, nothing);
    poorSince = next === "poor" ? poorSince || performance.now() : 0;
    if (hint) hint.hidden = !(poorSince && performance.now() - poorSince >= 12000 && !voiceOnly);
    showQuality("self", next);
    if (next !== level) { level = next; send({ type: "quality", level }); }
  }

  function tile(key, label) {
    let fig = stage.querySelector(`[data-stream="${key}"]`);
    if (fig) return fig;
    fig = document.createElement("figure");
    fig.className = "tile";
    fig.dataset.stream = key;
    const v = document.createElement("video");
    v.autoplay = true; v.playsInline = true;
    const cap = document.createElement("figcaption");
    cap.textContent = label;
    fig.append(v, cap);
    stage.append(fig);
    return fig;
  }

  function showLocal() {
    const fig = tile("self", t("you"));
    const v = fig.querySelector("video");
    v.muted = true;
    if (v.srcObject !== local) v.srcObject = local;
  }

  function attach(stream) {
    const key = stream.id;
    const screen = key.endsWith("-screen");
    const user = screen ? key.slice(0, -7) : key;
    const isNew = !stage.querySelector(`[data-stream="${key}"]`);
    const fig = tile(key, screen ? `${nameOf(user)} · ${t("screen")}` : nameOf(user));
    fig.dataset.user = user;
    if (!screen && quality.has(user)) badge(fig, quality.get(user));
    // A screen tile shows only while that person shares (not an empty tile until they first do).
    if (screen) { fig.classList.add("screen"); if (isNew) fig.hidden = !sharing.get(user); }
    const v = fig.querySelector("video");
    if (v.srcObject !== stream) {
      v.srcObject = stream;
      v.play().catch(() => {});
      const seen = () => { if (!firstFrameAt) firstFrameAt = performance.now(); };
      if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(seen); else v.addEventListener("playing", seen, { once: true });
    }
  }

  let prepared = false;
  let iceServers = null;
  // Before admission the server may refuse (only participants get TURN credentials): then they
  // are fetched again when joining.
  async function fetchIce() {
    try {
      const r = await fetch(`/rooms/${roomId}/ice`);
      iceServers = r.ok ? (await r.json()).iceServers || [] : null;
    } catch (_) { iceServers = null; }
  }
  async function prepare() {
    if (prepared) return;
    prepared = true;
    const ice = fetchIce();
    try {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: voiceOnly ? false : CAMERA });
      for (const tr of s.getTracks()) local.addTrack(tr);
    } catch (e) {
      // Perhaps only one of the two exists or is allowed: try each alone.
      const a = await capture("audio");
      if (a) local.addTrack(a);
      const v = voiceOnly ? null : await capture("video");
      if (v) local.addTrack(v);
      if (!a && !v) say(explain(e));
    }
    showLocal();
    watchLevel();
    fillDevices().catch(() => {});
    await ice;
  }

  async function join() {
    clearTimeout(failTimer);
    if (pc) { pc.close(); pc = null; }
    // Credentials expire: fetch them again when joining anew.
    if (joins > 0 || iceServers === null) await fetchIce();
    joins += 1;
    pc = new RTCPeerConnection({ iceServers: iceServers || [], bundlePolicy: "max-bundle", iceTransportPolicy: relay ? "relay" : "all" });
    const mine = pc;
    const a = local.getAudioTracks()[0] || null, v = local.getVideoTracks()[0] || null;
    // Microphone, camera, screen: the order the server expects.
    const mic = pc.addTransceiver(a || "audio", { direction: "sendonly", streams: [local] });
    // The camera goes out in three layers (a quarter, a half and the whole picture); the server
    // sends each person the largest their downlink carries, so one slow participant does not
    // cost the others their picture.
    const camera = pc.addTransceiver(v || "video", { direction: "sendonly", streams: [local], sendEncodings: SIMULCAST });
    const screen = pc.addTransceiver(screenStream ? screenStream.getVideoTracks()[0] : "video", { direction: "sendonly" });
    // The camera and the screen prefer VP8: recordings are WebM, which holds VP8 (Chromium builds
    // differ in the order they offer codecs in). H.264 stays as the fallback.
    try {
      const codecs = (RTCRtpSender.getCapabilities && RTCRtpSender.getCapabilities("video") || { codecs: [] }).codecs;
      const vp8 = codecs.filter((c) => c.mimeType.toLowerCase() === "video/vp8");
      const order = vp8.concat(codecs.filter((c) => !vp8.includes(c)));
      for (const t of [camera, screen]) if (vp8.length && t.setCodecPreferences) t.setCodecPreferences(order);
    } catch (_) { /* keep the browser's order */ }
    senders = { audio: mic.sender, video: camera.sender, screen: screen.sender };
    pc.ontrack = (e) => { if (e.streams[0]) attach(e.streams[0]); };
    pc.oniceconnectionstatechange = () => {
      if (mine !== pc) return;
      const s = pc.iceConnectionState;
      if (s === "failed" || s === "disconnected") {
        say(t("reconnecting"));
        clearTimeout(failTimer);
        // A short blip recovers by itself; a path that stays down gets a new connection.
        failTimer = setTimeout(() => { if (mine === pc && pc.iceConnectionState !== "connected") serial(join); }, s === "failed" ? 0 : 2000);
      } else if (s === "connected" || s === "completed") {
        clearTimeout(failTimer);
        say(t("connected"));
      }
    };
    // A new connection is measured afresh, and the room told again.
    lastSample = null; level = null;
    if (!qualityTimer) qualityTimer = setInterval(() => measure().catch(() => {}), QUALITY_MS);
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    send({ type: "rtc_offer", sdp: pc.localDescription.sdp });
    if (voiceOnly) send({ type: "voice_only", on: true });
    announce();
  }

  // A bar button's words and icon (a button without them gets its words only).
  function setLabel(button, words, icon) {
    const span = button.querySelector(".label");
    if (span) span.textContent = words; else button.textContent = words;
    const use = button.querySelector("use");
    if (use) use.setAttribute("href", "/static/icons.svg#" + icon);
  }

  function announce() {
    send({ type: "media", audio: audioOn && local.getAudioTracks().length > 0, video: videoOn && !voiceOnly && local.getVideoTracks().length > 0, screen: !!screenStream });
    controls.mic.setAttribute("aria-pressed", String(!audioOn));
    setLabel(controls.mic, audioOn ? t("mute") : t("unmute"), audioOn ? "mic" : "mic-off");
    controls.cam.setAttribute("aria-pressed", String(!videoOn));
    setLabel(controls.cam, videoOn ? t("cameraOff") : t("cameraOn"), videoOn ? "video" : "video-off");
    setLabel(controls.screen, screenStream ? t("stopShare") : t("share"), screenStream ? "monitor-x" : "monitor-up");
    controls.voice.setAttribute("aria-pressed", String(voiceOnly));
  }

  async function replace(kind, track) {
    const old = kind === "audio" ? local.getAudioTracks()[0] : local.getVideoTracks()[0];
    if (old) { local.removeTrack(old); old.stop(); }
    if (track) local.addTrack(track);
    if (senders[kind]) await senders[kind].replaceTrack(track);
    showLocal();
  }

  // The page's own microphone level marks its own tile and fills the waiting room's level bar;
  // the others learn who speaks from the SFU, which reads the audio level in every microphone
  // packet (RFC 6464).
  const levelBar = document.getElementById("self-level");
  function watchLevel() {
    if (meter) { clearInterval(meter.timer); meter.ctx.close(); meter = null; }
    const track = local.getAudioTracks()[0];
    if (!track) return;
    try {
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 512;
      ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      const timer = setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        const rms = Math.sqrt(buf.reduce((s, x) => s + x * x, 0) / buf.length);
        // The waiting room's level bar (CSSOM, which the page's CSP allows).
        if (levelBar && !levelBar.closest("[hidden]")) levelBar.style.width = `${Math.min(100, Math.round(rms * 400))}%`;
        const now = performance.now();
        const loud = audioOn && rms > 0.02;
        if (loud) { quietSince = 0; loudSince = loudSince || now; } else { loudSince = 0; quietSince = quietSince || now; }
        const next = speaking ? !(quietSince && now - quietSince > 800) : !!(loudSince && now - loudSince > 150);
        if (next !== speaking) { speaking = next; markSpeaking("self", speaking); }
      }, 100);
      meter = { ctx, timer };
    } catch (_) { /* no Web Audio: no indicator */ }
  }

  function markSpeaking(user, on) {
    for (const el of stage.querySelectorAll(user === "self" ? `[data-stream="self"]` : `[data-user="${user}"]:not(.screen)`)) el.classList.toggle("speaking", on);
  }

  async function fillDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [select, kind, track] of [[controls.camSelect, "videoinput", local.getVideoTracks()[0]], [controls.micSelect, "audioinput", local.getAudioTracks()[0]]]) {
      select.replaceChildren();
      devices.filter((d) => d.kind === kind).forEach((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${t("device")} ${i + 1}`;
        select.append(o);
      });
      const current = track && track.getSettings().deviceId;
      if (current) select.value = current;
      select.disabled = select.options.length === 0;
    }
  }

  controls.mic.addEventListener("click", () => {
    audioOn = !audioOn;
    for (const tr of local.getAudioTracks()) tr.enabled = audioOn;
    announce();
  });
  controls.cam.addEventListener("click", () => serial(async () => {
    videoOn = !videoOn;
    if (videoOn && !voiceOnly) await replace("video", await capture("video", controls.camSelect.value));
    else await replace("video", null);
    announce();
  }));
  controls.voice.addEventListener("click", () => serial(async () => {
    voiceOnly = !voiceOnly;
    send({ type: "voice_only", on: voiceOnly });
    stage.classList.toggle("voice-only", voiceOnly);
    if (voiceOnly) await replace("video", null);
    else if (videoOn) await replace("video", await capture("video", controls.camSelect.value));
    announce();
  }));
  controls.screen.addEventListener("click", () => serial(async () => {
    if (screenStream) {
      screenStream.getTracks().forEach((tr) => tr.stop());
      screenStream = null;
      await senders.screen.replaceTrack(null);
    } else {
      try { screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true }); } catch (e) { say(explain(e)); return; }
      const track = screenStream.getVideoTracks()[0];
      track.addEventListener("ended", () => serial(async () => { if (screenStream) { screenStream = null; await senders.screen.replaceTrack(null); announce(); } }));
      await senders.screen.replaceTrack(track);
    }
    announce();
  }));
  controls.camSelect.addEventListener("change", () => serial(async () => { if (videoOn && !voiceOnly) await replace("video", await capture("video", controls.camSelect.value)); }));
  controls.micSelect.addEventListener("change", () => serial(async () => {
    const track = await capture("audio", controls.micSelect.value);
    if (track) { track.enabled = audioOn; await replace("audio", track); watchLevel(); }
  }));

  return {
    admitted() { admittedAt = performance.now(); },
    // Called while waiting to be admitted: the camera and microphone start (the waiting page
    // shows the preview) and the ICE servers are fetched, so admission only has to connect.
    prepare() { return serial(prepare); },
    // Called once admitted (and after every WebSocket reconnection).
    start() {
      if (!admittedAt) admittedAt = performance.now();
      serial(async () => { await prepare(); await join(); });
    },
    handle(m) {
      switch (m.type) {
        case "rtc_answer":
          serial(() => pc && pc.setRemoteDescription({ type: "answer", sdp: m.sdp }));
          break;
        case "rtc_offer":
          serial(async () => {
            if (!pc) return;
            await pc.setRemoteDescription({ type: "offer", sdp: m.sdp });
            await pc.setLocalDescription(await pc.createAnswer());
            send({ type: "rtc_answer", sdp: pc.localDescription.sdp });
          });
          break;
        case "rtc_closed": serial(join); break;
        case "speaking": markSpeaking(m.user, m.on); break;
        case "left":
          for (const el of stage.querySelectorAll(`[data-user="${m.user}"]`)) el.remove();
          break;
        case "media":
          sharing.set(m.user, Boolean(m.media.screen));
          showQuality(m.user, m.media.quality);
          for (const el of stage.querySelectorAll(`[data-user="${m.user}"]`)) {
            el.classList.toggle("camera-off", !m.media.video && !el.classList.contains("screen"));
            if (el.classList.contains("screen")) el.hidden = !m.media.screen;
          }
          break;
      }
    },
    stop() {
      if (pc) pc.close();
      pc = null;
      for (const tr of local.getTracks()) tr.stop();
      if (screenStream) screenStream.getTracks().forEach((tr) => tr.stop());
      if (meter) { clearInterval(meter.timer); meter.ctx.close(); meter = null; }
      clearInterval(qualityTimer);
      qualityTimer = null;
    },
    // What the tests (and a curious counselor's console) read: per received stream, frames
    // decoded and audio packets received, plus the time from admission to the first frame shown.
    async stats() {
      const out = { streams: {}, firstFrameMs: firstFrameAt ? firstFrameAt - admittedAt : null, joins, relay: false, quality: Object.fromEntries(quality) };
      if (!pc) return out;
      // What the audio was agreed as: the Opus parameters the browser applied.
      const agreed = pc.currentRemoteDescription ? pc.currentRemoteDescription.sdp : "";
      out.audio = { dtx: /usedtx=1/.test(agreed), fec: /useinbandfec=1/.test(agreed) };
      const report = await pc.getStats();
      const mids = {};
      for (const tr of pc.getTransceivers()) {
        const fig = [...stage.querySelectorAll("figure")].find((f) => f.querySelector("video").srcObject && tr.receiver.track && f.querySelector("video").srcObject.getTracks().includes(tr.receiver.track));
        if (fig) mids[tr.mid] = fig.dataset.stream;
      }
      report.forEach((s) => {
        // The camera's layers the encoder is sending.
        if (s.type === "outbound-rtp" && s.kind === "video" && s.rid && s.framesEncoded > 0) (out.layersSent ||= []).push(s.rid);
        if (s.type === "inbound-rtp" && mids[s.mid]) {
          const o = (out.streams[mids[s.mid]] ||= { framesDecoded: 0, audioPackets: 0 });
          if (s.kind === "video") {
            o.framesDecoded += s.framesDecoded || 0;
            o.keyFramesDecoded = (o.keyFramesDecoded || 0) + (s.keyFramesDecoded || 0);
            o.freezes = (o.freezes || 0) + (s.freezeCount || 0);
            if (s.frameWidth) { o.width = s.frameWidth; o.height = s.frameHeight; }
          } else {
            o.audioPackets += s.packetsReceived || 0;
            o.concealed = (o.concealed || 0) + (s.concealedSamples || 0);
            o.samples = (o.samples || 0) + (s.totalSamplesReceived || 0);
          }
        }
        // The pair the transport uses (a nominated pair's flag can come after the first frame).
        const pair = s.type === "transport" && s.selectedCandidatePairId ? report.get(s.selectedCandidatePairId)
          : s.type === "candidate-pair" && s.nominated && s.state === "succeeded" ? s : null;
        if (pair) {
          const l = report.get(pair.localCandidateId);
          if (l && l.candidateType === "relay") out.relay = true;
        }
      });
      return out;
    },
  };
};
