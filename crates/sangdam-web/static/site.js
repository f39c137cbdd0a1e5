// The small script every page loads: the browser's time zone, the phone menu, pausable
// self-refresh and confirmation of forms that cannot be undone.
// The top menu on a phone: folded behind one button once this script runs (without it, every
// item stays visible). The "more" group closes when a click lands elsewhere.
"use strict";
// The browser's time zone, for a visitor's times and the sign-up form's default.
(function () {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // Zone names are letters, digits, "/", "_", "+" and "-": safe in a cookie as they are.
    if (zone && /^[A-Za-z0-9/_+-]{1,64}$/.test(zone) && !document.cookie.split("; ").includes("tz=" + zone)) {
      document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* an old browser keeps Seoul time */ }
})();
(function () {
  const top = document.getElementById("top");
  const toggle = top && top.querySelector(".menu-toggle");
  if (!toggle) return;
  top.classList.add("foldable");
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = top.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("click", (e) => {
    top.querySelectorAll("details.more[open]").forEach((d) => { if (!d.contains(e.target)) d.open = false; });
  });
})();
// A page that keeps itself current (the center's dashboard) reloads every few seconds, unless the
// person pauses it with its button (a timed refresh they cannot stop is a barrier).
(function () {
  const button = document.querySelector("[data-refresh]");
  if (!button) return;
  let timer = null;
  const arm = () => { timer = setTimeout(() => location.reload(), Number(button.dataset.refresh) * 1000); };
  arm();
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    clearTimeout(timer);
    if (on) arm();
  });
})();
// A form that cannot be undone asks first (revoking an invitation, deleting a specialty, signing
// out every other device); its question is in data-confirm.
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
}, true);
