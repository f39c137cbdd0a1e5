// The device check: camera preview, microphone level, speaker test tone, device choice, and clear
// guidance when permission is refused or no device is found. Nothing leaves the browser.
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
  }
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
