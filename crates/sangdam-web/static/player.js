// The recording player: one video per part (each participant's camera and voice, each shared
// screen), all on one timeline. The page keeps its own clock; every part follows it, starting at
// its offset and correcting itself when it drifts, so every picture shows side by side and every
// voice plays together. "Show" picks one picture (the voices stay mixed).
(() => {
  const root = document.getElementById("player");
  if (!root) return;
  const total = parseFloat(root.dataset.seconds) || 0;
  const parts = Array.from(root.querySelectorAll(".player-part")).map((el) => ({
    el,
    video: el.querySelector("video"),
    absent: el.querySelector(".player-absent"),
    offset: parseFloat(el.dataset.offset) || 0,
    seconds: parseFloat(el.dataset.seconds) || 0,
  }));
  const toggle = document.getElementById("player-toggle");
  const seek = document.getElementById("player-seek");
  const time = document.getElementById("player-time");
  const view = document.getElementById("player-view");
  root.querySelector(".player-bar").hidden = false;
  let at = 0; // seconds on the recording's clock
  let since = null; // performance.now() when the clock last started, while playing
  let timer = null;

  const now = () => (since === null ? at : Math.min(total, at + (performance.now() - since) / 1000));
  const clock = (s) => {
    const m = Math.floor(s / 60), r = Math.floor(s % 60);
    return `${m}:${String(r).padStart(2, "0")}`;
  };

  // Every part to where the clock is: playing inside its span, paused and marked outside it.
  function follow(force) {
    const t = now();
    for (const p of parts) {
      const local = t - p.offset;
      const inside = local >= 0 && local <= p.seconds + 0.25;
      p.absent.hidden = inside;
      p.el.classList.toggle("absent", !inside);
      if (!inside) {
        if (!p.video.paused) p.video.pause();
        continue;
      }
      if (force || Math.abs(p.video.currentTime - local) > 0.3) p.video.currentTime = local;
      if (since !== null && p.video.paused) p.video.play().catch(() => {});
      if (since === null && !p.video.paused) p.video.pause();
    }
    seek.value = String(t);
    time.textContent = `${clock(t)} / ${clock(total)}`;
    if (since !== null && t >= total) stop();
  }

  function start() {
    if (now() >= total) at = 0;
    since = performance.now();
    toggle.textContent = root.dataset.pause;
    follow(true);
    timer = setInterval(() => follow(false), 250);
  }
  function stop() {
    at = now();
    since = null;
    clearInterval(timer);
    toggle.textContent = root.dataset.play;
    follow(false);
  }

  toggle.addEventListener("click", () => (since === null ? start() : stop()));
  seek.addEventListener("input", () => {
    at = Math.max(0, Math.min(total, parseFloat(seek.value) || 0));
    if (since !== null) since = performance.now();
    follow(true);
  });
  if (view) {
    view.addEventListener("change", () => {
      for (const p of parts) p.el.hidden = view.value !== "all" && p.el.dataset.part !== view.value;
    });
  }
  follow(true);

  // For tests and for whoever needs to know where the player is.
  window.sangdamPlayer = {
    time: now,
    playing: () => since !== null,
    parts: () => parts.map((p) => ({
      time: p.video.currentTime, paused: p.video.paused, width: p.video.videoWidth, ready: p.video.readyState,
      shown: !p.el.hidden && !p.el.classList.contains("absent"),
    })),
  };
})();
