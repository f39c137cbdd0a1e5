// Saves a draft note by itself: two seconds after the last keystroke, and when the page is left.
// The server keeps one version per sitting, so this does not flood the version list.
(function () {
  "use strict";
  const form = document.getElementById("note-form");
  if (!form) return;
  const status = document.getElementById("autosave");
  let timer = null;
  let dirty = false;
  let saving = false;

  async function save() {
    timer = null;
    if (!dirty || saving) return;
    dirty = false;
    saving = true;
    status.textContent = form.dataset.saving;
    try {
      const r = await fetch(form.action, {
        method: "POST",
        headers: { "x-autosave": "1", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
      });
      const text = await r.text();
      status.textContent = r.ok ? text : text || form.dataset.failed;
      if (!r.ok) dirty = r.status >= 500;
    } catch (_) {
      status.textContent = form.dataset.failed;
      dirty = true;
    } finally {
      saving = false;
      if (dirty && !timer) timer = setTimeout(save, 5000);
    }
  }

  form.addEventListener("input", function () {
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 2000);
  });
  window.addEventListener("pagehide", function () {
    if (!dirty) return;
    const body = new URLSearchParams(new FormData(form));
    // sendBeacon cannot set headers; a plain post is fine here (the answer is not read).
    navigator.sendBeacon(form.action, body);
  });
  window.sangdamNotes = { save: function () { dirty = true; return save(); } };
})();
