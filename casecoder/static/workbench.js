/* casecoder coding workbench.
 *
 * Offsets: the server stores Unicode code points, end exclusive. The browser's DOM offsets are
 * UTF-16 code units. `u16[i]` is the UTF-16 offset of code point i; every conversion goes through it.
 * The transcript is drawn as segments (<span class="seg" data-s data-e>) cut at every turn, label
 * and excerpt boundary, so a DOM point maps to a code point through its segment's data-s.
 */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("workbench-data").textContent);
  const T = JSON.parse(document.getElementById("workbench-i18n").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = "/api/p/" + encodeURIComponent(data.project);
  const text = data.source.text;
  const cps = Array.from(text);
  const N = cps.length;
  const u16 = new Uint32Array(N + 1);
  for (let i = 0; i < N; i++) u16[i + 1] = u16[i] + cps[i].length;

  const $ = (id) => document.getElementById(id);
  const transcript = $("transcript");
  const panel = $("panel");
  const codes = data.codes;
  const codeByKey = new Map(codes.map((c) => [c.key, c]));
  let excerpts = data.excerpts.slice();
  let state = { mode: "idle", range: null, id: null, chosen: new Map() };
  let current = null; // id of the excerpt in focus
  let lastDeleted = null;
  let lastSelection = null; // the latest text selection, kept for "use selection as span"

  /* ---------- offsets ---------- */
  function cpFromU16(offset) {
    let lo = 0, hi = N;
    while (lo < hi) { // first index whose u16 >= offset
      const mid = (lo + hi) >> 1;
      if (u16[mid] < offset) lo = mid + 1; else hi = mid;
    }
    return u16[lo] > offset ? lo - 1 : lo; // inside a surrogate pair: round down
  }
  const slice = (a, b) => text.slice(u16[a], u16[b]);

  function pointToCp(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement.closest(".seg");
      if (!seg) return null;
      return cpFromU16(u16[+seg.dataset.s] + offset);
    }
    const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    if (el.classList && el.classList.contains("seg")) {
      return offset === 0 ? +el.dataset.s : +el.dataset.e;
    }
    const child = el.childNodes[offset];
    const after = child && (child.classList && child.classList.contains("seg") ? child
      : child.querySelector && child.querySelector(".seg"));
    if (after) return +after.dataset.s;
    const segs = el.querySelectorAll ? el.querySelectorAll(".seg") : [];
    return segs.length ? +segs[segs.length - 1].dataset.e : null;
  }

  const WORD = /[\p{L}\p{N}\p{M}'’-]/u;
  function snap(s, e) {
    if ($("snap") && $("snap").checked) {
      while (s > 0 && WORD.test(cps[s - 1]) && WORD.test(cps[s])) s--;
      while (e < N && WORD.test(cps[e]) && WORD.test(cps[e - 1])) e++;
      while (e < N && /\p{M}/u.test(cps[e])) e++; // keep combining marks with their letter
    }
    while (s < e && /\s/u.test(cps[s])) s++;
    while (e > s && /\s/u.test(cps[e - 1])) e--;
    return e > s ? [s, e] : null;
  }

  function selectionRange() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !transcript.contains(sel.anchorNode) || !transcript.contains(sel.focusNode)) {
      return null;
    }
    const a = pointToCp(sel.anchorNode, sel.anchorOffset);
    const b = pointToCp(sel.focusNode, sel.focusOffset);
    if (a === null || b === null) return null;
    return snap(Math.min(a, b), Math.max(a, b));
  }

  /* ---------- drawing ---------- */
  function showRange() { return state.mode === "new" || (state.mode === "edit" && state.spanChanged); }
  function colorOf(ex) { return ex.codings.length ? ex.codings[0].color : "#999999"; }

  function render() {
    excerpts.sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
    const cuts = new Set([0, N]);
    for (const t of data.turns) { cuts.add(t.start); cuts.add(t.label_end); cuts.add(t.end); }
    for (const ex of excerpts) { cuts.add(ex.start); cuts.add(ex.end); }
    if (showRange()) { cuts.add(state.range[0]); cuts.add(state.range[1]); }
    const points = Array.from(cuts).filter((p) => p >= 0 && p <= N).sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    const turns = data.turns.length ? data.turns : [{ start: 0, label_end: 0, end: N, speaker: null }];
    let p = 0;
    let active = []; // excerpts covering the current segment, kept incrementally
    let next = 0;
    for (const turn of turns) {
      const div = document.createElement("div");
      div.className = "turn";
      while (p < points.length - 1 && points[p] < turn.end) {
        const a = points[p], b = points[p + 1];
        p++;
        if (b <= a) continue;
        while (next < excerpts.length && excerpts[next].start <= a) active.push(excerpts[next++]);
        active = active.filter((ex) => ex.end > a);
        const span = document.createElement("span");
        span.className = "seg";
        span.dataset.s = a; span.dataset.e = b;
        span.textContent = slice(a, b);
        if (turn.speaker && a >= turn.start && b <= turn.label_end) span.classList.add("speaker");
        const covering = active.filter((ex) => ex.start <= a && ex.end >= b);
        if (covering.length) {
          covering.sort((x, y) => (x.end - x.start) - (y.end - y.start));
          span.classList.add("hl");
          span.style.backgroundColor = colorOf(covering[0]) + "40";
          span.style.boxShadow = covering.slice(0, 3).map((ex, i) => "inset 0 -" + (2 + 3 * i) + "px 0 " + colorOf(ex)).join(",");
          span.dataset.ex = covering.map((ex) => ex.id).join(" ");
          if (covering.length > 1) span.classList.add("overlap");
          if (covering.some((ex) => ex.id === current)) span.classList.add("current");
        }
        if (showRange() && a >= state.range[0] && b <= state.range[1]) span.classList.add("pending");
        div.appendChild(span);
      }
      frag.appendChild(div);
    }
    transcript.replaceChildren(frag);
    renderList();
  }

  function tag(coding) {
    const s = document.createElement("span");
    s.className = "tag";
    s.style.borderColor = coding.color;
    s.textContent = coding.code + (coding.direction !== "supports" ? " (" + T[coding.direction] + ")" : "");
    s.title = T.by + " " + coding.coder;
    return s;
  }

  function renderList() {
    const list = $("excerpt-list");
    list.replaceChildren();
    $("excerpt-count").textContent = excerpts.length;
    if (!excerpts.length) {
      const li = document.createElement("li");
      li.className = "hint";
      li.textContent = T.no_excerpts;
      list.appendChild(li);
    }
    for (const ex of excerpts) {
      const li = document.createElement("li");
      li.id = "excerpt-" + ex.id;
      li.dataset.id = ex.id;
      li.tabIndex = 0;
      if (ex.id === current) li.classList.add("current");
      const q = document.createElement("blockquote");
      q.textContent = ex.text.length > 160 ? ex.text.slice(0, 159) + "…" : ex.text;
      const meta = document.createElement("p");
      meta.className = "codes";
      ex.codings.forEach((c) => { meta.appendChild(tag(c)); meta.appendChild(document.createTextNode(" ")); });
      if (ex.case) meta.appendChild(document.createTextNode("· " + ex.case));
      if (ex.memo) { const m = document.createElement("p"); m.className = "memo"; m.textContent = ex.memo; li.append(q, meta, m); }
      else li.append(q, meta);
      li.addEventListener("click", () => focusExcerpt(ex.id, true));
      list.appendChild(li);
    }
  }

  function scrollToOffset(cp) {
    const seg = transcript.querySelector('.seg[data-s="' + cp + '"]');
    if (seg) seg.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  /* ---------- panel ---------- */
  function renderTree() {
    const tree = $("code-tree");
    if (!tree) return;
    const filter = $("code-filter").value.trim().toLowerCase();
    tree.replaceChildren();
    const labelKey = data.lang === "en" ? "label_en" : "label_da";
    const shown = new Set();
    const matches = new Set();
    if (filter) {
      const byId = new Map(codes.map((c) => [c.id, c]));
      for (const c of codes) {
        if ((c.key + " " + c.label_da + " " + c.label_en).toLowerCase().includes(filter)) {
          matches.add(c.id);
          let x = c;
          while (x && !shown.has(x.id)) { shown.add(x.id); x = byId.get(x.parent_id); }
        }
      }
    }
    for (const c of codes) {
      if (filter && !shown.has(c.id)) continue;
      const li = document.createElement("li");
      li.style.paddingLeft = (c.depth * 1.1) + "em";
      li.dataset.key = c.key;
      if (matches.has(c.id)) li.dataset.match = c.key.toLowerCase() === filter ? "exact" : "1";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.id = "code-" + c.key;
      box.disabled = !c.codable;
      box.checked = state.chosen.has(c.key);
      box.addEventListener("change", () => toggle(c.key, box.checked));
      const lab = document.createElement("label");
      lab.htmlFor = box.id;
      lab.innerHTML = '<span class="swatch"></span><b></b> <span></span>';
      lab.querySelector(".swatch").style.background = c.color;
      lab.querySelector("b").textContent = c.key;
      lab.querySelector("span:last-child").textContent = c[labelKey];
      if (!c.codable) li.classList.add("folder");
      li.append(box, lab);
      if (state.chosen.has(c.key)) {
        const dir = document.createElement("select");
        dir.className = "dir";
        dir.setAttribute("aria-label", c.key);
        for (const d of ["supports", "contradicts", "nuances"]) {
          const o = document.createElement("option");
          o.value = d; o.textContent = T[d];
          dir.appendChild(o);
        }
        dir.value = state.chosen.get(c.key);
        dir.addEventListener("change", () => state.chosen.set(c.key, dir.value));
        li.appendChild(dir);
      }
      tree.appendChild(li);
    }
  }

  function toggle(key, on) {
    if (on) state.chosen.set(key, $("direction").value); else state.chosen.delete(key);
    renderTree();
  }

  function openPanel(title, range) {
    if (!panel) return;
    panel.hidden = false;
    $("panel-title").textContent = title;
    $("panel-snippet").textContent = slice(range[0], range[1]);
    $("panel-error").textContent = "";
    $("code-filter").value = "";
    renderTree();
  }

  function openNew(range) {
    if (!data.can_code) return;
    state = { mode: "new", range: range, id: null, chosen: new Map() };
    current = null;
    $("memo").value = "";
    if ($("case")) $("case").value = "";
    $("delete").hidden = true;
    openPanel(T.new_excerpt, range);
    render();
    $("code-filter").focus();
  }

  function focusExcerpt(id, scroll) {
    const ex = excerpts.find((x) => x.id === id);
    if (!ex) return;
    current = id;
    if (data.can_code) {
      state = { mode: "edit", range: [ex.start, ex.end], id: id,
        chosen: new Map(ex.codings.filter((c) => c.coder === data.user).map((c) => [c.code, c.direction])) };
      $("memo").value = ex.memo || "";
      if ($("case")) $("case").value = ex.case_id || "";
      $("delete").hidden = false;
      openPanel(T.edit_excerpt + " #" + id, state.range);
    }
    render();
    const li = $("excerpt-" + id);
    if (li) li.scrollIntoView({ block: "nearest" });
    if (scroll) scrollToOffset(ex.start);
  }

  function closePanel() {
    state = { mode: "idle", range: null, id: null, chosen: new Map() };
    if (panel) panel.hidden = true;
    render();
  }

  /* ---------- talking to the server ---------- */
  async function call(method, url, body) {
    const response = await fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (response.status === 401 && json.login) {  // the login ended: keep the open excerpt, log in again
      keepDraft();
      window.location.assign(json.login + "&next=" + encodeURIComponent(location.pathname + location.search));
    }
    if (!response.ok) {
      const err = new Error(json.error || T.failed + " (" + response.status + ")");
      err.status = response.status;
      throw err;
    }
    return json;
  }

  /* A login that ends mid-coding loses nothing: the open excerpt (span, codes, memo, case) waits in this
     tab's sessionStorage while the coder logs in again, and is put back in the panel, unsaved. */
  const DRAFT = "casecoder-draft-" + data.project + "-" + data.source.id;

  function keepDraft() {
    if (state.mode === "idle") return;
    const draft = { mode: state.mode, id: state.id, range: state.range, spanChanged: !!state.spanChanged,
      chosen: Array.from(state.chosen), memo: $("memo").value, case_id: $("case") ? $("case").value : "" };
    try { sessionStorage.setItem(DRAFT, JSON.stringify(draft)); } catch (e) { /* storage is off: nothing kept */ }
  }

  function restoreDraft() {
    let draft = null;
    try {
      draft = JSON.parse(sessionStorage.getItem(DRAFT) || "null");
      sessionStorage.removeItem(DRAFT);
    } catch (e) { return false; }
    if (!draft || !data.can_code || !Array.isArray(draft.range)) return false;
    if (draft.mode === "edit" && excerpts.some((x) => x.id === draft.id)) focusExcerpt(draft.id, false);
    else openNew(draft.range);
    state.range = draft.range;
    state.spanChanged = draft.spanChanged;
    state.chosen = new Map(draft.chosen);
    $("memo").value = draft.memo || "";
    if ($("case")) $("case").value = draft.case_id || "";
    $("panel-error").textContent = T.draft_restored;
    renderTree();
    render();
    scrollToOffset(draft.range[0]);
    return true;
  }

  function toast(message, undo) {
    $("toast-text").textContent = message;
    $("undo").hidden = !undo;
    $("toast").hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { $("toast").hidden = true; }, undo ? 10000 : 2500);
  }

  function replaceExcerpt(json) {
    excerpts = excerpts.filter((x) => x.id !== json.id);
    excerpts.push(json);
  }

  async function save() {
    if (state.mode === "idle") return;
    if (!state.chosen.size) { $("panel-error").textContent = T.choose_code; return; }
    const body = {
      codes: Array.from(state.chosen, ([code, direction]) => ({ code: code, direction: direction })),
      memo: $("memo").value, start: state.range[0], end: state.range[1],
    };
    if ($("case")) {
      if (!$("case").value) { $("panel-error").textContent = T.choose_case; return; }
      body.case_id = +$("case").value;
    }
    try {
      let json;
      if (state.mode === "new") {
        body.source_id = data.source.id;
        json = await call("POST", api + "/excerpts", body);
      } else {
        const stored = excerpts.find((x) => x.id === state.id);
        if (stored && stored.version) body.version = stored.version;
        json = await call("PATCH", api + "/excerpts/" + state.id, body);
      }
      replaceExcerpt(json);
      window.getSelection().removeAllRanges();
      current = json.id;
      state = { mode: "idle", range: null, id: null, chosen: new Map() };
      panel.hidden = true;
      render();
      toast(T.saved);
    } catch (err) {
      $("panel-error").textContent = err.message;
      if (err.status === 409) await refreshStored(state.id);
    }
  }

  /* After a conflict: show the other coder's saved version in the list; the form keeps what was typed. */
  async function refreshStored(id) {
    try {
      replaceExcerpt(await call("GET", api + "/excerpts/" + id));
      render();
    } catch (err) { /* the message about the conflict is already shown */ }
  }

  async function remove(id) {
    const ex = excerpts.find((x) => x.id === id);
    if (!ex || !window.confirm(T.confirm_delete)) return;
    try {
      await call("DELETE", api + "/excerpts/" + id);
      excerpts = excerpts.filter((x) => x.id !== id);
      lastDeleted = ex;
      current = null;
      closePanel();
      toast(T.deleted, true);
    } catch (err) {
      toast(err.message);
    }
  }

  async function undo() {
    const ex = lastDeleted;
    if (!ex) return;
    lastDeleted = null;
    const mine = ex.codings.filter((c) => c.coder === data.user);
    const body = { source_id: ex.source_id, start: ex.start, end: ex.end, memo: ex.memo,
      codes: (mine.length ? mine : ex.codings).map((c) => ({ code: c.code, direction: c.direction })) };
    if (ex.case_id && data.cases.length > 1) body.case_id = ex.case_id;
    try {
      const json = await call("POST", api + "/excerpts", body);
      replaceExcerpt(json);
      current = json.id;
      render();
      toast(T.restored);
    } catch (err) {
      toast(err.message);
    }
  }

  function step(direction) {
    if (!excerpts.length) return;
    let i = excerpts.findIndex((x) => x.id === current);
    i = i < 0 ? (direction > 0 ? 0 : excerpts.length - 1) : (i + direction + excerpts.length) % excerpts.length;
    focusExcerpt(excerpts[i].id, true);
  }

  /* ---------- events ---------- */
  transcript.addEventListener("mouseup", () => {
    const range = selectionRange();
    if (range) {
      lastSelection = range;
      if (state.mode !== "edit") openNew(range); // while editing, a selection may become the new span
      return;
    }
    const sel = window.getSelection();
    if (sel && sel.isCollapsed && sel.anchorNode) {
      const seg = sel.anchorNode.parentElement && sel.anchorNode.parentElement.closest(".seg.hl");
      if (seg) focusExcerpt(+seg.dataset.ex.split(" ")[0], false);
    }
  });

  if (panel) {
    $("save").addEventListener("click", save);
    $("cancel").addEventListener("click", closePanel);
    $("delete").addEventListener("click", () => remove(state.id));
    $("use-selection").addEventListener("click", () => {
      const range = selectionRange() || lastSelection;
      if (range && state.mode !== "idle") {
        state.range = range;
        state.spanChanged = true;
        $("panel-snippet").textContent = slice(range[0], range[1]);
        render();
      }
    });
    $("code-filter").addEventListener("input", renderTree);
    $("code-filter").addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey) {
        ev.preventDefault();
        const tree = $("code-tree");
        const first = tree.querySelector("li[data-match=exact] input:not(:disabled)")
          || tree.querySelector("li[data-match] input:not(:disabled)");
        if (first && $("code-filter").value.trim()) {
          toggle(first.closest("li").dataset.key, !first.checked);
          $("code-filter").value = "";
          renderTree();
        }
      }
    });
    const snapBox = $("snap");
    snapBox.checked = localStorage.getItem("casecoder.snap") !== "off";
    snapBox.addEventListener("change", () => localStorage.setItem("casecoder.snap", snapBox.checked ? "on" : "off"));
    $("undo").addEventListener("click", undo);
  }

  document.addEventListener("keydown", (ev) => {
    const typing = ev.target.closest && ev.target.closest("input, textarea, select");
    if (ev.key === "Escape") { closePanel(); return; }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter") { ev.preventDefault(); save(); return; }
    if (typing) return;
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "z") { ev.preventDefault(); undo(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "n" || ev.key === "j") { step(1); }
    else if (ev.key === "p" || ev.key === "k") { step(-1); }
    else if ((ev.key === "Delete" || ev.key === "Backspace") && current && data.can_code) { ev.preventDefault(); remove(current); }
    else if (ev.key === "u") { undo(); }
    else if (ev.key === "Enter" || ev.key === "c") {
      const range = selectionRange();
      if (range) { ev.preventDefault(); openNew(range); }
    }
  });

  render();
  if (restoreDraft()) { /* back from logging in again */ }
  else if (data.select) { openNew(data.select); scrollToOffset(data.select[0]); }
  else if (data.focus) focusExcerpt(data.focus, true);
  transcript.dataset.ready = "1";
})();
