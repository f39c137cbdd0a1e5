// The small script every page loads: the browser's time zone, the phone menu, pausable
// self-refresh and the confirmation dialog for what cannot be undone.
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
// The confirmation of something that cannot be undone, in the page's own dialog (a modal
// <dialog>: focus moves in and comes back, Escape answers no): resolves true for yes.
window.sangdamConfirm = function (question) {
  return new Promise((resolve) => {
    const t = document.body.dataset;
    const dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-text");
    const p = document.createElement("p");
    p.id = "confirm-dialog-text";
    p.textContent = question;
    const actions = document.createElement("div");
    actions.className = "actions start";
    const yes = document.createElement("button");
    yes.type = "button"; yes.className = "danger"; yes.id = "confirm-yes"; yes.textContent = t.tConfirmYes || "OK";
    const no = document.createElement("button");
    no.type = "button"; no.className = "secondary"; no.id = "confirm-no"; no.textContent = t.tConfirmNo || "Cancel";
    actions.append(yes, no);
    dialog.append(p, actions);
    document.body.append(dialog);
    let answer = false;
    yes.addEventListener("click", () => { answer = true; dialog.close(); });
    no.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { dialog.remove(); resolve(answer); });
    dialog.showModal();
    no.focus();
  });
};
// A form that cannot be undone asks first (revoking an invitation, deleting a specialty, signing
// out every other device); its question is in data-confirm. Once answered yes it is sent as it was.
document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
  if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
  e.preventDefault();
  const submitter = e.submitter;
  window.sangdamConfirm(form.dataset.confirm).then((ok) => {
    if (!ok) return;
    form.dataset.confirmed = "1";
    form.requestSubmit(submitter || undefined);
  });
}, true);
