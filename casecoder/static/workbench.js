/* casecoder coding workbench: the page's state, the panel, the calls to the server and the keys.
 *
 * Offsets are Unicode code points, as the server stores them; workbench_view.js converts the
 * browser's DOM offsets and draws the transcript, the excerpt list and the code tree.
 */
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("workbench-data").textContent);
  const T = JSON.parse(document.getElementById("workbench-i18n").textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const api = "/api/p/" + encodeURIComponent(data.project);
  const text = data.source.text;
  const W = window.casecoderWorkbench;
  const offsets = W.Offsets(text);
  const slice = offsets.slice;

  const $ = (id) => document.getElementById(id);
  const transcript = $("transcript");
  const panel = $("panel");
  const codes = data.codes;
  let excerpts = data.excerpts.slice();
  let state = { mode: "idle", range: null, id: null, chosen: new Map() };
  let current = null; // id of the excerpt in focus
  let undoable = false; // this page did an action the server can undo (create, save, delete)
  let lastSelection = null; // the latest text selection, kept for "use selection as span"

  /* ---------- offsets ---------- */
  function snap(s, e) { return offsets.snap(s, e, $("snap") && $("snap").checked); }

  function selectionRange() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !transcript.contains(sel.anchorNode) || !transcript.contains(sel.focusNode)) {
      return null;
    }
    const a = offsets.pointToCp(sel.anchorNode, sel.anchorOffset);
    const b = offsets.pointToCp(sel.focusNode, sel.focusOffset);
    if (a === null || b === null) return null;
    return snap(Math.min(a, b), Math.max(a, b));
  }

  /* ---------- drawing ---------- */
  function showRange() { return state.mode === "new" || (state.mode === "edit" && state.spanChanged); }

  let drawn = { range: null, current: null }; // what the transcript was drawn with

  /* Draw the transcript and the list again: after the excerpts or the pending span changed. */
  function render() {
    excerpts.sort((x, y) => x.start - y.start || x.end - y.end || x.id - y.id);
    drawn = { range: showRange() ? state.range : null, current: current };
    transcript.replaceChildren(W.drawTranscript(offsets, data.turns, excerpts, drawn.range, current,
      (id) => focusExcerpt(id, false)));
    $("excerpt-count").textContent = excerpts.length;
    W.drawList($("excerpt-list"), excerpts, current, T, (id) => focusExcerpt(id, true));
  }

  /* After a change of focus only: the excerpt in focus marked, nothing drawn again, unless a pending
     span appeared or went (then everything is drawn). */
  function refresh() {
    const range = showRange() ? state.range : null;
    const same = range === drawn.range || (range && drawn.range && range[0] === drawn.range[0] && range[1] === drawn.range[1]);
    if (!same) { render(); return; }
    W.setCurrent($("excerpt-list"), drawn.current, current);
    drawn.current = current;
  }

  /* ---------- memos: each coder writes their own, sees the others' with their names ---------- */
  function ownMemo(ex) {
    const mine = ex && (ex.memos || []).find((m) => m.user === data.user);
    return mine ? mine.text : "";
  }

  function showOtherMemos(ex) {
    const box = $("other-memos");
    if (!box) return;
    box.replaceChildren();
    for (const m of ex ? ex.memos || [] : []) {
      if (m.user === data.user) continue;
      const p = document.createElement("p");
      p.className = "memo";
      p.dataset.user = m.user;
      const who = document.createElement("b");
      who.textContent = T.memo_of.replace("%(name)s", m.user) + ": ";
      p.append(who, document.createTextNode(m.text));
      box.appendChild(p);
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
    W.drawTree(tree, codes, state.chosen, $("code-filter").value.trim().toLowerCase(),
      data.lang === "en" ? "label_en" : "label_da", T, toggle);
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

  /* Tell the panel's other parts (workbench_report.js) which excerpt is open; null: a new one. */
  function announce(id) {
    document.dispatchEvent(new CustomEvent("casecoder-excerpt", { detail: { id: id } }));
  }

  function openNew(range) {
    if (!data.can_code) return;
    state = { mode: "new", range: range, id: null, chosen: new Map() };
    current = null;
    $("memo").value = "";
    showOtherMemos(null);
    if ($("case")) $("case").value = "";
    $("delete").hidden = true;
    openPanel(T.new_excerpt, range);
    announce(null);
    render();
    $("code-filter").focus();
  }

  function focusExcerpt(id, scroll) {
    const ex = excerpts.find((x) => x.id === id);
    if (!ex) return;
    performance.mark("casecoder-open-start");
    current = id;
    if (data.can_code) {
      state = { mode: "edit", range: [ex.start, ex.end], id: id,
        chosen: new Map(ex.codings.filter((c) => c.coder === data.user).map((c) => [c.code, c.direction])) };
      $("memo").value = ownMemo(ex);
      showOtherMemos(ex);
      if ($("case")) $("case").value = ex.case_id || "";
      $("delete").hidden = false;
      openPanel(T.edit_excerpt + " #" + id, state.range);
      announce(id);
    }
    refresh();
    const li = $("excerpt-" + id);
    if (li) li.scrollIntoView({ block: "nearest" });
    if (scroll) scrollToOffset(ex.start);
    requestAnimationFrame(() => { // measured up to the next frame, its layout included (bench/workbench_page.py)
      void transcript.offsetHeight;
      performance.measure("casecoder-open", "casecoder-open-start");
    });
  }

  /* Close the panel; ``redraw`` after the excerpts changed, else only the focus marks change. */
  function closePanel(redraw) {
    state = { mode: "idle", range: null, id: null, chosen: new Map() };
    if (panel) panel.hidden = true;
    if (redraw === true) render(); else refresh();
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
      leavingForLogin = true;
      window.location.assign(json.login + "&next=" + encodeURIComponent(location.pathname + location.search));
    }
    if (!response.ok) {
      const err = new Error(json.error || T.failed + " (" + response.status + ")");
      err.status = response.status;
      err.field = json.field;
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

  /* A message; with ``undo`` the Undo button shows (only after an action the server can undo). */
  function toast(message, undo, long) {
    $("toast-text").textContent = message;
    $("undo").hidden = !(undo && undoable);
    $("toast").hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { $("toast").hidden = true; }, undo || long ? 10000 : 2500);
  }

  function replaceExcerpt(json) {
    excerpts = excerpts.filter((x) => x.id !== json.id);
    excerpts.push(json);
  }

  async function save() {
    if (state.mode === "idle") return;
    /* Each coder owns their codings: on an excerpt others coded, the memo alone may change (no codes of
       mine sent), or all of mine may go (an empty list); an excerpt nobody else coded needs a code. */
    const stored = state.mode === "edit" ? excerpts.find((x) => x.id === state.id) : null;
    const others = !!stored && stored.codings.some((c) => c.coder !== data.user);
    const hadMine = !!stored && stored.codings.some((c) => c.coder === data.user);
    if (!state.chosen.size && !others) { $("panel-error").textContent = T.choose_code; return; }
    const body = { memo: $("memo").value, start: state.range[0], end: state.range[1] };
    if (state.chosen.size || hadMine) {
      body.codes = Array.from(state.chosen, ([code, direction]) => ({ code: code, direction: direction }));
    }
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
        if (stored && stored.version) body.version = stored.version;
        json = await call("PATCH", api + "/excerpts/" + state.id, body);
      }
      const changed = json.changed !== false;
      delete json.changed;
      replaceExcerpt(json);
      window.getSelection().removeAllRanges();
      current = json.id;
      state = { mode: "idle", range: null, id: null, chosen: new Map() };
      panel.hidden = true;
      render();
      /* Undo shows only when this save changed something, so that Undo reverses exactly this save
         (the server's undo takes my newest action: a save that changed nothing is none). */
      if (changed) undoable = true;
      toast(changed ? T.saved : T.nothing_changed, changed);
    } catch (err) {
      /* A conflict: the newer version is fetched before the message shows, so a save made after reading
         it goes over that version (a click while it was still loading sent the old one: 409 again). */
      if (err.status === 409) await refreshStored(state.id);
      $("panel-error").textContent = err.message;
    }
  }

  /* After a conflict: show the other coder's saved version in the list; the form keeps what was typed. */
  async function refreshStored(id) {
    try {
      replaceExcerpt(await call("GET", api + "/excerpts/" + id));
      render();
    } catch (err) { /* the message about the conflict is already shown */ }
  }

  /* Delete: only my codings go when others coded the excerpt too (it stays for them); an owner is
     asked first whether everyone's go, the question naming who loses which codes. */
  async function remove(id) {
    const ex = excerpts.find((x) => x.id === id);
    if (!ex) return;
    let everyone = false;
    try {
      const removal = await call("GET", api + "/excerpts/" + id + "/removal");
      const noneOfMine = !Object.keys(removal.mine).length && removal.others.length > 0;
      if (removal.may_remove_others) {
        if (window.confirm(removal.question_everyone)) everyone = true;
        else if (noneOfMine || !window.confirm(removal.question_mine)) return;
      } else if (!noneOfMine && !window.confirm(removal.question_mine)) return; // none of mine: the server says why
    } catch (err) { toast(err.message, false, true); return; }
    try {
      const json = await call("DELETE", api + "/excerpts/" + id + (everyone ? "?everyone=1" : ""));
      if (json.excerpt) replaceExcerpt(json.excerpt);
      else excerpts = excerpts.filter((x) => x.id !== id);
      current = json.excerpt ? id : null;
      undoable = true;
      closePanel(true);
      toast(T.deleted, true);
    } catch (err) {
      toast(err.message, false, true);
    }
  }

  /* Undo my last action on the server, exactly (the same excerpt, every coder's codings, the memo and
     span); refused with the server's message when someone else changed it since. Again goes further back. */
  async function undo() {
    if (!data.can_code) return;
    try {
      const json = await call("POST", api + "/undo", {});
      const removed = new Set(json.removed || []);
      excerpts = excerpts.filter((x) => !removed.has(x.id));
      const here = (json.excerpts || []).filter((x) => x.source_id === data.source.id);
      here.forEach(replaceExcerpt);
      current = here.length ? here[0].id : null;
      undoable = false;
      closePanel(true);
      toast(json.message);
    } catch (err) {
      undoable = false;
      toast(err.message, false, true);
    }
  }

  /* ---------- a new code while coding ---------- */
  const labelKey = data.lang === "en" ? "label_en" : "label_da";

  function fillParents() {
    if ($("new-code-parent")) W.fillParents($("new-code-parent"), codes, labelKey, T.top_level);
  }

  /* Insert a new code after the last code of its parent's subtree (tree order, as the server draws it). */
  function insertCode(code) {
    let at = codes.length;
    const i = codes.findIndex((c) => c.id === code.parent_id);
    if (i >= 0) {
      at = i + 1;
      while (at < codes.length && codes[at].depth > codes[i].depth) at++;
    }
    codes.splice(at, 0, code);
  }

  async function addCode() {
    const error = $("new-code-error");
    error.textContent = "";
    const parent = $("new-code-parent").value;
    try {
      const code = await call("POST", api + "/codes", { key: $("new-code-key").value,
        label: $("new-code-label").value, parent_id: parent ? +parent : null });
      insertCode(code);
      if (state.mode !== "idle") state.chosen.set(code.key, $("direction").value);
      $("new-code-key").value = "";
      $("new-code-label").value = "";
      fillParents();
      renderTree();
      toast(T.code_added + ": " + code.key);
      $("code-filter").focus();
    } catch (err) {
      error.textContent = err.message;
      const input = { key: "new-code-key", label_da: "new-code-label", label_en: "new-code-label",
        parent: "new-code-parent" }[err.field];
      if (input) $(input).focus();
    }
  }

  function step(direction) {
    if (!excerpts.length) return;
    let i = excerpts.findIndex((x) => x.id === current);
    i = i < 0 ? (direction > 0 ? 0 : excerpts.length - 1) : (i + direction + excerpts.length) % excerpts.length;
    focusExcerpt(excerpts[i].id, true);
  }

  /* ---------- events ---------- */
  transcript.addEventListener("mouseup", (ev) => {
    if (ev.target.closest && ev.target.closest(".stripe")) return; // a stripe opens its own excerpt
    const range = selectionRange();
    if (range) {
      lastSelection = range;
      if (state.mode !== "edit") openNew(range); // while editing, a selection may become the new span
      return;
    }
    const sel = window.getSelection();
    if (sel && sel.isCollapsed && sel.anchorNode) { // a click on a highlight (the segments are not drawn again)
      const seg = ev.target.closest && ev.target.closest(".seg.hl");
      if (seg) W.pick(seg, (id) => focusExcerpt(id, false)); // over several excerpts: a chooser
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
    fillParents();
    $("new-code-add").addEventListener("click", addCode);
    for (const id of ["new-code-key", "new-code-label"]) {
      $(id).addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" && !ev.ctrlKey && !ev.metaKey) { ev.preventDefault(); addCode(); }
      });
    }
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

  /* Leaving or reloading with an unsaved selection or a changed memo asks first (not for a login). */
  let leavingForLogin = false;
  W.guardLeave(() => !leavingForLogin && (state.mode === "new" || (state.mode === "edit" && (!!state.spanChanged
    || $("memo").value.trim() !== ownMemo(excerpts.find((x) => x.id === state.id))))));
  render();
  if (restoreDraft()) { /* back from logging in again */ }
  else if (data.select) { openNew(data.select); scrollToOffset(data.select[0]); }
  else if (data.focus) focusExcerpt(data.focus, true);
  transcript.dataset.ready = "1";
})();
