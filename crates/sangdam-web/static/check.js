// The device check: camera preview, microphone level, speaker test tone, device choice, and clear
// guidance when permission is refused or no device is found. The network test sends the camera
// and microphone to Sangdam's media server, which sends them straight back (nothing is kept), and
// reports whether media flows both ways and the round trip.
"use strict";
(function () {
  const root = document.getElementById("check");
  if (!root) return;
  const t = (key) => root.dataset["t" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  const status = document.getElementById("check-status");
  const video = document.getElementById("check-video");
  const level = document.getElementById("check-level");
  const cameras = document.getElementById("check-camera-select");
  const mics = document.getElementById("check-mic-select");
  const speakers = document.getElementById("check-speaker-select");
  const speakerNote = document.getElementById("check-speaker-note");
  let stream = null;
  let audio = null;
  let meterTimer = null;

  function say(message, bad) { status.textContent = message; status.classList.toggle("errors", !!bad); }
  function explain(e) {
    switch (e && e.name) {
      case "NotAllowedError": case "SecurityError": return t("denied");
      case "NotFoundError": case "OverconstrainedError": return t("missing");
      case "NotReadableError": case "AbortError": return t("busy");
      default: return t("failed");
    }
  }
  async function fill() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [select, kind] of [[cameras, "videoinput"], [mics, "audioinput"], [speakers, "audiooutput"]]) {
      const chosen = select.value;
      select.replaceChildren();
      devices.filter((d) => d.kind === kind).forEach((d, i) => {
        const o = document.createElement("option");
        o.value = d.deviceId;
        o.textContent = d.label || `${t("default")} ${i + 1}`;
        select.append(o);
      });
      if (chosen) select.value = chosen;
      select.disabled = select.options.length === 0;
    }
    if (!("setSinkId" in HTMLMediaElement.prototype)) { speakers.disabled = true; speakerNote.textContent = t("noSpeakerChoice"); }
  }
  function meter(s) {
    if (audio) audio.close();
    audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    audio.createMediaStreamSource(s).connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    clearInterval(meterTimer);
    meterTimer = setInterval(() => {
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
      level.value = Math.min(100, Math.round((peak / 128) * 200));
    }, 100);
  }
  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices) { say(t("insecure"), true); return; }
    if (stream) stream.getTracks().forEach((tr) => tr.stop());
    const constraints = {
      video: cameras.value ? { deviceId: { exact: cameras.value } } : true,
      audio: mics.value ? { deviceId: { exact: mics.value } } : true,
    };
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (e) {
      say(explain(e), true);
      return;
    }
    video.srcObject = stream;
    meter(stream);
    await fill();
    say(t("ok"), false);
    document.getElementById("check-network-start").disabled = false;
  }

  let pc = null;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  async function networkTest() {
    const result = document.getElementById("check-network-result");
    const done = (state, message) => { root.dataset.network = state; result.textContent = message; if (pc) { pc.close(); pc = null; } };
    root.dataset.network = "testing";
    result.textContent = t("netTesting");
    if (pc) pc.close();
    pc = new RTCPeerConnection({ bundlePolicy: "max-bundle" });
    for (const tr of stream.getTracks()) pc.addTransceiver(tr, { direction: "sendrecv" });
    await pc.setLocalDescription(await pc.createOffer());
    let answer;
    try {
      const r = await fetch("/check/media", {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": root.dataset.csrf },
        body: JSON.stringify({ sdp: pc.localDescription.sdp }),
      });
      answer = await r.json();
      if (!r.ok) { done("failed", answer.error || t("netFailed")); return; }
    } catch (_) { done("failed", t("netFailed")); return; }
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    const wantVideo = stream.getVideoTracks().length > 0;
    for (let i = 0; i < 50 && pc; i++) {
      await sleep(200);
      if (!pc) return;
      const report = await pc.getStats();
      let frames = 0, packets = 0, rtt = null;
      report.forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") frames += s.framesDecoded || 0;
        if (s.type === "inbound-rtp" && s.kind === "audio") packets += s.packetsReceived || 0;
        if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") rtt = s.currentRoundTripTime;
      });
      if (packets > 0 && (frames > 0 || !wantVideo) && rtt !== null) {
        const ms = Math.max(1, Math.round(rtt * 1000));
        root.dataset.rtt = String(ms);
        done("ok", `${t("netOk")} ${t("netRtt")}: ${ms} ms`);
        return;
      }
    }
    done("failed", t("netFailed"));
  }
  document.getElementById("check-network-start").addEventListener("click", networkTest);
  document.getElementById("check-start").addEventListener("click", start);
  cameras.addEventListener("change", start);
  mics.addEventListener("change", start);
  document.getElementById("check-sound").addEventListener("click", async () => {
    // A short two-note chime through the chosen speaker.
    const ctx = new AudioContext();
    const out = ctx.createMediaStreamDestination();
    const player = new Audio();
    player.srcObject = out.stream;
    if (speakers.value && player.setSinkId) { try { await player.setSinkId(speakers.value); } catch (_) { /* keep the default */ } }
    player.play().catch(() => {});
    for (const [freq, at] of [[660, 0], [880, 0.35]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      gain.gain.value = 0.15;
      osc.frequency.value = freq;
      osc.connect(gain).connect(out);
      osc.start(ctx.currentTime + at);
      osc.stop(ctx.currentTime + at + 0.3);
    }
    setTimeout(() => ctx.close(), 1200);
  });
})();
