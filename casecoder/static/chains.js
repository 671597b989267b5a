/* Chain editor: pick nodes, reorder, toggle arrows; counts and the figure update as you go. */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chain-data").textContent);
  const T = JSON.parse(document.getElementById("chain-i18n").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = "/api/p/" + encodeURIComponent(data.project) + "/chains";
  const $ = (id) => document.getElementById(id);
  const codable = data.codes.filter((c) => c.codable);
  const labelKey = data.lang === "en" ? "label_en" : "label_da";
  let keys = data.start.keys.length ? data.start.keys.slice() : [codable[0].key, codable[1].key];
  let arrows = data.start.arrows.length === keys.length - 1 ? data.start.arrows.slice()
    : keys.slice(1).map(() => "both-and");
  let chainId = data.start.id;
  let timer = null;

  function body() {
    return { title: $("chain-title").value || "—", caption: $("chain-caption").value, scope: $("chain-scope").value,
      keys: keys, arrows: arrows };
  }

  async function post(url, payload, method) {
    const response = await fetch(url, { method: method || "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }, body: JSON.stringify(payload) });
    if (!response.ok) {
      const json = await response.json().catch(() => ({}));
      throw new Error(json.error || response.statusText);
    }
    return response;
  }

  async function refresh() {
    $("chain-error").textContent = "";
    try {
      const json = await (await post(api + "/preview", body())).json();
      $("chain-formula").textContent = json.formula;
      $("chain-combination").textContent = json.combination.n + "/" + json.N;
      $("chain-cases").textContent = json.combination.case_keys.join(", ");
      json.nodes.forEach((n, i) => { const el = $("node-count-" + i); if (el) el.textContent = n.n + "/" + json.N; });
      const svg = await (await post(api + "/preview.svg", body())).blob();
      const img = $("chain-preview");
      if (img.src) URL.revokeObjectURL(img.src);
      img.src = URL.createObjectURL(svg);
    } catch (err) {
      $("chain-error").textContent = err.message;
    }
  }
  const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };

  function button(text, handler, cls) {
    const b = document.createElement("button");
    b.type = "button"; b.textContent = text; b.className = cls || "secondary";
    b.addEventListener("click", handler);
    return b;
  }

  function render() {
    const list = $("chain-nodes");
    list.replaceChildren();
    keys.forEach((key, i) => {
      const li = document.createElement("li");
      li.className = "chain-node";
      const select = document.createElement("select");
      select.id = "node-" + i;
      for (const c of codable) {
        const o = document.createElement("option");
        o.value = c.key; o.textContent = c.key + " " + c[labelKey];
        select.appendChild(o);
      }
      select.value = key;
      select.addEventListener("change", () => { keys[i] = select.value; later(); });
      const count = document.createElement("span");
      count.id = "node-count-" + i; count.className = "tab";
      li.append(select, count,
        button(T.up, () => { if (i > 0) { [keys[i - 1], keys[i]] = [keys[i], keys[i - 1]]; render(); } }),
        button(T.down, () => { if (i < keys.length - 1) { [keys[i + 1], keys[i]] = [keys[i], keys[i + 1]]; render(); } }),
        button(T.remove, () => { if (keys.length > 2) { keys.splice(i, 1); arrows.splice(Math.min(i, arrows.length - 1), 1); render(); } }));
      list.appendChild(li);
      if (i < arrows.length) {
        const arrow = document.createElement("li");
        arrow.className = "chain-arrow";
        const toggle = button(arrows[i] === "both-and" ? T.both_and : T.and_or, () => {
          arrows[i] = arrows[i] === "both-and" ? "and-or" : "both-and";
          render();
        }, "arrow " + arrows[i]);
        toggle.id = "arrow-" + i;
        toggle.dataset.kind = arrows[i];
        arrow.appendChild(toggle);
        list.appendChild(arrow);
      }
    });
    later();
  }

  $("add-node").addEventListener("click", () => {
    if (keys.length >= 8) return;
    keys.push(codable[0].key);
    arrows.push("both-and");
    render();
  });
  ["chain-scope"].forEach((id) => $(id).addEventListener("change", later));
  $("save-chain").addEventListener("click", async () => {
    try {
      const response = await post(chainId ? api + "/" + chainId : api, body(), chainId ? "PUT" : "POST");
      const json = await response.json();
      window.location = json.url;
    } catch (err) {
      $("chain-error").textContent = err.message;
    }
  });
  render();
})();
