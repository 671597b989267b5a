/* Follow a background import (issue #25): poll its status once a second, move the progress bar,
 * and show the summary or the problems when it ends, or that it stopped (its worker died). */
(function () {
  "use strict";
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const count = document.getElementById("job-count");
  const show = (id, on) => { document.getElementById(id).hidden = !on; };
  async function poll() {
    let job;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      job = await response.json();
    } catch (err) {
      window.setTimeout(poll, 3000); // the server may be restarting; try again
      return;
    }
    bar.max = Math.max(job.total, 1);
    bar.value = job.state === "done" ? bar.max : job.done;
    count.textContent = (job.state === "done" ? job.total : job.done) + " / " + job.total;
    box.dataset.state = job.state;
    show("job-running", job.state === "running");
    if (job.state === "running") {
      window.setTimeout(poll, 1000);
      return;
    }
    if (job.state === "stopped") {
      document.getElementById("job-stopped-message").textContent = job.message;
      show("job-stopped", true);
    } else if (job.state === "done") {
      document.getElementById("job-summary").textContent = job.message;
      if (job.project_url) document.getElementById("job-project").href = job.project_url;
      show("job-done", true);
    } else {
      const list = document.getElementById("job-problems");
      list.replaceChildren(...job.message.split("\n").map((line) => {
        const li = document.createElement("li");
        li.textContent = line;
        return li;
      }));
      show("job-failed", true);
    }
  }
  if (box.dataset.state === "running") poll();
})();
