/* casecoder coding workbench: the transcript's offsets and the drawing of the page, without its state.
 *
 * Offsets: the server stores Unicode code points, end exclusive. The browser's DOM offsets are
 * UTF-16 code units. `u16[i]` is the UTF-16 offset of code point i; every conversion goes through it.
 * The transcript is drawn as segments (<span class="seg" data-s data-e>) cut at every turn, label
 * and excerpt boundary, so a DOM point maps to a code point through its segment's data-s.
 * workbench.js holds the state (excerpts, the open panel) and calls these with what they need.
 */
window.casecoderWorkbench = (function () {
  "use strict";
  const WORD = /[\p{L}\p{N}\p{M}'’-]/u;

  /* ---------- offsets ---------- */
  function Offsets(text) {
    const cps = Array.from(text);
    const N = cps.length;
    const u16 = new Uint32Array(N + 1);
    for (let i = 0; i < N; i++) u16[i + 1] = u16[i] + cps[i].length;

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

    /* [s, e] without the white space at its ends (and grown to whole words with `words`); null if empty. */
    function snap(s, e, words) {
      if (words) {
        while (s > 0 && WORD.test(cps[s - 1]) && WORD.test(cps[s])) s--;
        while (e < N && WORD.test(cps[e]) && WORD.test(cps[e - 1])) e++;
        while (e < N && /\p{M}/u.test(cps[e])) e++; // keep combining marks with their letter
      }
      while (s < e && /\s/u.test(cps[s])) s++;
      while (e > s && /\s/u.test(cps[e - 1])) e--;
      return e > s ? [s, e] : null;
    }

    return { N: N, slice: slice, pointToCp: pointToCp, snap: snap };
  }

  /* ---------- the transcript ---------- */
  function colorOf(ex) { return ex.codings.length ? ex.codings[0].color : "#999999"; }
  const M = window.casecoderMarks; // stripes, the overlap chooser, the leave warning (workbench_marks.js)

  /* The transcript as turns of segments; `excerpts` sorted by start; `range` (or null): the span being
     chosen; `current`: the id of the excerpt in focus; `open(id)` opens an excerpt (stripes, chooser).
     The coding stripes are placed in the next frame, once the text is laid out. */
  let segsOf = new Map(); // excerpt id -> its highlighted segments in the latest drawing (for setCurrent)

  function drawTranscript(o, turnList, excerpts, range, current, open) {
    performance.mark("casecoder-draw-start");
    segsOf = new Map();
    M.setDrawn(excerpts, open);
    const N = o.N;
    const cuts = new Set([0, N]);
    for (const t of turnList) { cuts.add(t.start); cuts.add(t.label_end); cuts.add(t.end); }
    for (const ex of excerpts) { cuts.add(ex.start); cuts.add(ex.end); }
    if (range) { cuts.add(range[0]); cuts.add(range[1]); }
    const points = Array.from(cuts).filter((p) => p >= 0 && p <= N).sort((a, b) => a - b);
    const frag = document.createDocumentFragment();
    const margin = document.createElement("div");
    margin.className = "stripes";
    margin.setAttribute("aria-hidden", "true");
    frag.appendChild(margin);
    const turns = turnList.length ? turnList : [{ start: 0, label_end: 0, end: N, speaker: null }];
    const byStart = new Map(), byEnd = new Map(); // segment elements at excerpt ends
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
        span.textContent = o.slice(a, b);
        if (turn.speaker && a >= turn.start && b <= turn.label_end) span.classList.add("speaker");
        const covering = active.filter((ex) => ex.start <= a && ex.end >= b);
        if (covering.length) {
          covering.sort((x, y) => (x.end - x.start) - (y.end - y.start));
          span.classList.add("hl");
          span.tabIndex = 0;
          span.style.backgroundColor = colorOf(covering[0]) + "40";
          span.style.boxShadow = covering.slice(0, 3).map((ex, i) => "inset 0 -" + (2 + 3 * i) + "px 0 " + colorOf(ex)).join(",");
          span.dataset.ex = covering.map((ex) => ex.id).join(" ");
          for (const ex of covering) {
            if (!segsOf.has(ex.id)) segsOf.set(ex.id, []);
            segsOf.get(ex.id).push(span);
          }
          span.title = covering.map((ex) => "#" + ex.id + ": " + (M.keysOf(ex).join(", ") || "—")).join("\n");
          if (covering.length > 1) span.classList.add("overlap");
          if (covering.some((ex) => ex.id === current)) span.classList.add("current");
        }
        if (range && a >= range[0] && b <= range[1]) span.classList.add("pending");
        if (!byStart.has(a)) byStart.set(a, span);
        byEnd.set(b, span);
        div.appendChild(span);
      }
      frag.appendChild(div);
    }
    performance.measure("casecoder-build", "casecoder-draw-start");
    requestAnimationFrame(() => M.placeStripes(margin, excerpts, byStart, byEnd));
    return frag;
  }

  /* Opening or closing an excerpt moves only the focus: the classes of its segments and list rows
     change, nothing is drawn again (a 200-page transcript has thousands of segments). */
  function setCurrent(list, before, after) {
    if (before === after) return;
    for (const span of segsOf.get(before) || []) span.classList.remove("current");
    for (const span of segsOf.get(after) || []) span.classList.add("current");
    const old = before === null ? null : list.querySelector("#excerpt-" + before);
    if (old) old.classList.remove("current");
    const now = after === null ? null : list.querySelector("#excerpt-" + after);
    if (now) now.classList.add("current");
  }

  /* ---------- the excerpt list ---------- */
  function tag(coding, T) {
    const s = document.createElement("span");
    s.className = "tag";
    s.style.borderColor = coding.color;
    s.textContent = coding.code + (coding.direction !== "supports" ? " (" + T[coding.direction] + ")" : "");
    s.title = T.by + " " + coding.coder;
    return s;
  }

  /* Each coder's memo as a line "name: text" (a blind coder gets only their own from the server). */
  function memoLines(memos) {
    return (memos || []).map((m) => {
      const p = document.createElement("p");
      p.className = "memo";
      const who = document.createElement("b");
      who.textContent = m.user + ": ";
      p.append(who, document.createTextNode(m.text));
      return p;
    });
  }

  function drawList(list, excerpts, current, T, onClick) {
    list.replaceChildren();
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
      ex.codings.forEach((c) => { meta.appendChild(tag(c, T)); meta.appendChild(document.createTextNode(" ")); });
      if (ex.case) meta.appendChild(document.createTextNode("· " + ex.case));
      li.append(q, meta, ...memoLines(ex.memos));
      li.addEventListener("click", () => onClick(ex.id));
      list.appendChild(li);
    }
  }

  /* ---------- the code tree of the panel ---------- */
  const RECENT = 6;
  let seen = { map: null, keys: new Set() }; // the codes ticked at the last drawing
  const recentStore = "casecoder.recent." + (location.pathname.split("/")[2] || "");

  function recentKeys() {
    try { return JSON.parse(localStorage.getItem(recentStore) || "[]"); } catch (e) { return []; }
  }

  function remember(key) {
    const keys = [key].concat(recentKeys().filter((k) => k !== key)).slice(0, RECENT);
    try { localStorage.setItem(recentStore, JSON.stringify(keys)); } catch (e) { /* storage is off */ }
  }

  /* The codes ticked for the open excerpt, at the top of the panel: key, direction, in the code's colour. */
  function drawSummary(codes, chosen, T) {
    const box = document.getElementById("code-summary");
    if (!box) return;
    box.replaceChildren();
    box.hidden = !chosen.size;
    if (!chosen.size) return;
    const colors = new Map(codes.map((c) => [c.key, c.color]));
    box.append((T.your_codes || "Your codes") + ": ");
    for (const [key, direction] of chosen) {
      const t = tag({ code: key, color: colors.get(key) || "#999999", direction: direction, coder: "" }, T);
      t.removeAttribute("title");
      box.appendChild(t);
      box.append(" ");
    }
  }

  /* A code's checkbox (ticked when chosen) and its label: colour swatch, key, label in the UI language. */
  function codeBox(c, id, chosen, labelKey, toggled) {
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = id;
    box.checked = chosen.has(c.key);
    box.addEventListener("change", () => toggled(c.key, box.checked));
    const lab = document.createElement("label");
    lab.htmlFor = id;
    lab.innerHTML = '<span class="swatch"></span><b></b> <span></span>';
    lab.querySelector(".swatch").style.background = c.color;
    lab.querySelector("b").textContent = c.key;
    lab.querySelector("span:last-child").textContent = c[labelKey];
    return [box, lab];
  }

  /* `chosen`: code key -> direction (a direction picked here is set in it); `onToggle(key, checked)`.
     Without a filter the recently used codes come first (their own boxes tick the same code). */
  function drawTree(tree, codes, chosen, filter, labelKey, T, onToggle) {
    tree.replaceChildren();
    const toggled = (key, on) => { if (on) remember(key); onToggle(key, on); };
    if (chosen === seen.map) { // ticked since the last drawing of the same excerpt (the filter's Enter too)
      for (const key of chosen.keys()) if (!seen.keys.has(key)) remember(key);
    }
    seen = { map: chosen, keys: new Set(chosen.keys()) };
    drawSummary(codes, chosen, T);
    if (!filter) {
      const byKey = new Map(codes.map((c) => [c.key, c]));
      const recent = recentKeys().map((k) => byKey.get(k)).filter((c) => c && c.codable);
      if (recent.length) {
        const head = document.createElement("li");
        head.className = "tree-head";
        head.textContent = T.recent || "Recently used";
        tree.appendChild(head);
        for (const c of recent) {
          const li = document.createElement("li");
          li.className = "recent";
          li.dataset.recent = c.key;
          li.append(...codeBox(c, "recent-code-" + c.key, chosen, labelKey, toggled));
          tree.appendChild(li);
        }
        const all = document.createElement("li");
        all.className = "tree-head";
        all.textContent = T.all_codes || "All codes";
        tree.appendChild(all);
      }
    }
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
      const [box, lab] = codeBox(c, "code-" + c.key, chosen, labelKey, toggled);
      box.disabled = !c.codable;
      if (!c.codable) li.classList.add("folder");
      li.append(box, lab);
      if (chosen.has(c.key)) {
        const dir = document.createElement("select");
        dir.className = "dir";
        dir.setAttribute("aria-label", c.key);
        for (const d of ["supports", "contradicts", "nuances"]) {
          const o = document.createElement("option");
          o.value = d; o.textContent = T[d];
          dir.appendChild(o);
        }
        dir.value = chosen.get(c.key);
        dir.addEventListener("change", () => { chosen.set(c.key, dir.value); drawSummary(codes, chosen, T); });
        li.appendChild(dir);
      }
      tree.appendChild(li);
    }
  }

  /* The parent choices of the panel's "New code" field: the top level, then every code in tree order. */
  function fillParents(select, codes, labelKey, topText) {
    const keep = select.value;
    select.replaceChildren();
    const top = document.createElement("option");
    top.value = ""; top.textContent = topText;
    select.appendChild(top);
    for (const c of codes) {
      const o = document.createElement("option");
      o.value = String(c.id);
      o.textContent = "\u00a0\u00a0".repeat(c.depth) + c.key + " " + c[labelKey];
      select.appendChild(o);
    }
    select.value = keep;
    if (select.value !== keep) select.value = "";
  }

  return { Offsets: Offsets, drawTranscript: drawTranscript, drawList: drawList, drawTree: drawTree, setCurrent: setCurrent,
    fillParents: fillParents, pick: M.pick, closeChooser: M.closeChooser, guardLeave: M.guardLeave };
})();
