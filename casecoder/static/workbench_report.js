/* The "use in the report" mark of the open excerpt (issue #24): a checkbox in the workbench panel,
 * read and set through /api/p/<project>/excerpts/<id>/report. workbench.js announces the excerpt it
 * opens with a "casecoder-excerpt" event (id null for a new, unsaved excerpt: no mark yet). */
(function () {
  "use strict";
  const box = document.getElementById("in-report");
  if (!box) return;
  const data = JSON.parse(document.getElementById("workbench-data").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = "/api/p/" + encodeURIComponent(data.project) + "/excerpts/";
  const row = document.getElementById("in-report-row");
  let current = null;

  async function call(method, body) {
    const response = await fetch(api + current + "/report", {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.error || String(response.status));
    return json;
  }

  document.addEventListener("casecoder-excerpt", async (event) => {
    current = event.detail.id;
    row.hidden = current === null;
    box.checked = false;
    box.disabled = current === null;
    if (current === null) return;
    const asked = current;
    try {
      const json = await call("GET");
      if (asked === current) box.checked = json.marked;
    } catch (e) { row.hidden = true; }
  });

  box.addEventListener("change", async () => {
    box.disabled = true;
    try {
      box.checked = (await call("POST", { marked: box.checked })).marked;
    } catch (e) {
      box.checked = !box.checked;
    } finally {
      box.disabled = false;
    }
  });
})();
