/* Tally table: a percentage toggle that never hides n/N, and sorting within each hypothesis group. */
(function () {
  "use strict";
  const toggle = document.getElementById("show-percent");
  if (toggle) {
    const apply = () => document.querySelectorAll(".pct").forEach((el) => { el.hidden = !toggle.checked; });
    toggle.checked = localStorage.getItem("casecoder.percent") === "on";
    toggle.addEventListener("change", () => { localStorage.setItem("casecoder.percent", toggle.checked ? "on" : "off"); apply(); });
    apply();
  }
  document.querySelectorAll("table.sortable").forEach((table) => {
    table.querySelectorAll("thead th").forEach((th, column) => {
      th.style.cursor = "pointer";
      th.addEventListener("click", () => {
        const numeric = th.dataset.sort === "num";
        const descending = th.dataset.dir !== "desc";
        table.querySelectorAll("thead th").forEach((h) => delete h.dataset.dir);
        th.dataset.dir = descending ? "desc" : "asc";
        table.querySelectorAll("tbody").forEach((body) => {
          const rows = Array.from(body.rows);
          const head = rows.shift(); // the hypothesis row stays on top of its group
          const value = (row) => numeric ? parseFloat(row.cells[column].dataset.value) : row.cells[column].textContent.trim();
          rows.sort((a, b) => {
            const x = value(a), y = value(b);
            const order = numeric ? x - y : String(x).localeCompare(String(y), "da", { numeric: true });
            return descending ? -order : order;
          });
          body.replaceChildren(head, ...rows);
        });
      });
    });
  });
})();
