/* Upload transcripts one file at a time, showing which file and how many are done.
 * Without this script the form posts all files at once and the server answers with a results page. */
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  const T = JSON.parse(document.getElementById("upload-i18n").textContent);
  const fill = (s, v) => s.replace(/\{(\w+)\}/g, (_, k) => v[k]);
  form.addEventListener("submit", async (ev) => {
    const input = form.querySelector("input[type=file]");
    const files = Array.from(input.files);
    if (!files.length) return; // let the server say what is missing
    ev.preventDefault();
    const section = document.getElementById("progress");
    const bar = document.getElementById("progress-bar");
    const status = document.getElementById("progress-text");
    const results = document.getElementById("results");
    section.hidden = false;
    results.replaceChildren();
    bar.max = files.length;
    bar.value = 0;
    form.querySelector("button[type=submit]").disabled = true;
    const url = window.location.pathname.replace(/^\/p\//, "/api/p/").replace(/\/transcripts\/new$/, "/transcripts");
    let ok = 0, failed = 0;
    for (let i = 0; i < files.length; i++) {
      status.textContent = fill(T.importing, { i: i + 1, n: files.length, name: files[i].name });
      const body = new FormData(form);
      body.delete(input.name);
      body.append(input.name, files[i]);
      body.append("batch", files.length > 1 ? "1" : "0");
      const li = document.createElement("li");
      try {
        const response = await fetch(url, { method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": body.get("csrf_token"), "Accept": "application/json" } });
        const json = await response.json().catch(() => ({ error: response.status + " " + response.statusText }));
        if (!response.ok) throw new Error(json.error);
        li.className = "ok";
        li.textContent = "✓ " + json.title + " (" + files[i].name + ") ";
        const a = document.createElement("a");
        a.href = json.url; a.textContent = T.open;
        li.appendChild(a);
        ok++;
      } catch (err) {
        li.className = "failed";
        li.textContent = "✗ " + (err.message.includes(files[i].name) ? "" : files[i].name + ": ") + err.message;
        failed++;
      }
      results.appendChild(li);
      bar.value = i + 1;
    }
    status.textContent = fill(T.done, { ok: ok, failed: failed });
    form.querySelector("button[type=submit]").disabled = false;
    input.value = "";
  });
})();
