/* casecoder coding workbench: the marks on the transcript that workbench_view.js draws — the coding
 * stripes in the margin, the chooser over overlapping excerpts — and the question before leaving with
 * unsaved work. Loaded before workbench_view.js, which passes on what it draws.
 */
window.casecoderMarks = (function () {
  "use strict";
  let drawn = new Map(); // id -> excerpt of the latest drawing (for the overlap chooser)
  let openHook = null;   // opens an excerpt by id (given by workbench.js)

  function keysOf(ex) { return Array.from(new Set(ex.codings.map((c) => c.code))); }

  function setDrawn(excerpts, open) {
    drawn = new Map(excerpts.map((ex) => [ex.id, ex]));
    if (open) openHook = open;
  }

  /* ---------- the coding stripes ---------- */
  const LANES = 4; // bars side by side in the margin; more overlapping bars share the last lane

  /* One bar per (excerpt, code) in the margin, from the first to the last line of the excerpt, in the
     code's colour with its key. All positions are read first, then every bar is written at once. */
  function placeStripes(margin, excerpts, byStart, byEnd) {
    if (!margin.isConnected) return; // drawn again meanwhile
    lastPlaced = [margin, excerpts, byStart, byEnd];
    performance.mark("casecoder-frame");
    const top0 = margin.getBoundingClientRect().top; // lays the text out
    performance.mark("casecoder-laid-out");
    const spans = [];
    for (const ex of excerpts) { // read
      const first = byStart.get(ex.start), last = byEnd.get(ex.end);
      if (!first || !last) continue;
      const r1 = first.getClientRects(), r2 = last.getClientRects();
      if (!r1.length || !r2.length) continue;
      spans.push([ex, r1[0].top - top0, r2[r2.length - 1].bottom - top0]);
    }
    performance.mark("casecoder-stripes-read");
    const bars = document.createDocumentFragment();
    const laneEnd = new Array(LANES).fill(-Infinity);
    for (const [ex, top, bottom] of spans) { // write
      const byKey = new Map();
      for (const c of ex.codings) {
        if (!byKey.has(c.code)) byKey.set(c.code, []);
        byKey.get(c.code).push(c);
      }
      for (const [key, cs] of byKey) {
        let lane = laneEnd.findIndex((end) => end <= top);
        if (lane < 0) lane = LANES - 1;
        laneEnd[lane] = Math.max(laneEnd[lane], bottom + 2);
        const bar = document.createElement("div");
        bar.className = "stripe";
        bar.dataset.ex = ex.id;
        bar.dataset.code = key;
        bar.style.cssText = "top:" + top + "px;height:" + Math.max(bottom - top, 8) + "px;left:" + (lane * 2.4) +
          "rem;border-color:" + cs[0].color + ";color:" + cs[0].color;
        bar.textContent = key;
        bar.title = "#" + ex.id + " " + key + ": " + cs.map((c) => c.coder + " (" + c.direction + ")").join(", ");
        bars.appendChild(bar);
      }
    }
    margin.replaceChildren(bars);
    margin.dataset.ready = "1";
    performance.mark("casecoder-stripes-end");
    performance.measure("casecoder-draw", "casecoder-draw-start", "casecoder-stripes-end");
  }

  /* A narrower or wider window moves the lines: the stripes follow, once a frame. */
  let lastPlaced = null, resizing = false;
  window.addEventListener("resize", () => {
    if (resizing || !lastPlaced) return;
    resizing = true;
    requestAnimationFrame(() => { resizing = false; placeStripes.apply(null, lastPlaced); });
  });

  /* ---------- opening what was clicked ---------- */
  let chooser = null;

  function closeChooser() {
    if (chooser) { chooser.remove(); chooser = null; }
  }

  /* A click (or Enter) on highlighted text: one excerpt opens at once; over several a small chooser
     lists them (keys and the start of the text). */
  function pick(seg, open) {
    closeChooser();
    const ids = (seg.dataset.ex || "").split(" ").filter(Boolean).map(Number);
    if (ids.length === 1) { open(ids[0]); return; }
    if (!ids.length) return;
    chooser = document.createElement("div");
    chooser.className = "chooser";
    chooser.setAttribute("role", "menu");
    const T = JSON.parse((document.getElementById("workbench-i18n") || {}).textContent || "{}");
    chooser.setAttribute("aria-label", T.choose_excerpt || "Choose an excerpt");
    for (const id of ids) {
      const ex = drawn.get(id);
      if (!ex) continue;
      const b = document.createElement("button");
      b.type = "button";
      b.className = "link";
      b.setAttribute("role", "menuitem");
      b.dataset.id = id;
      const k = document.createElement("b");
      k.textContent = "#" + id + " " + (keysOf(ex).join(", ") || "—");
      b.append(k, " " + (ex.text.length > 50 ? ex.text.slice(0, 49) + "…" : ex.text));
      b.addEventListener("click", (ev) => { ev.stopPropagation(); closeChooser(); open(id); });
      chooser.appendChild(b);
    }
    chooser.addEventListener("keydown", (ev) => {
      const items = Array.from(chooser.querySelectorAll("button"));
      const i = items.indexOf(document.activeElement);
      if (ev.key === "Escape") { ev.stopPropagation(); closeChooser(); seg.focus(); }
      else if (ev.key === "ArrowDown") { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
      else if (ev.key === "ArrowUp") { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
      ev.stopPropagation();
    });
    const r = seg.getBoundingClientRect();
    chooser.style.left = (r.left + window.scrollX) + "px";
    chooser.style.top = (r.bottom + window.scrollY + 4) + "px";
    document.body.appendChild(chooser);
    chooser.querySelector("button").focus();
  }

  document.addEventListener("mousedown", (ev) => {
    if (chooser && !chooser.contains(ev.target)) closeChooser();
    /* A highlight is focusable for the keyboard (tabindex), but a mouse press on it must start a text
       selection as anywhere else: Chromium's focusing of it would swallow a drag that starts at its
       first letter. Not focusable while the button is down. */
    const seg = ev.target.closest && ev.target.closest("#transcript .seg.hl");
    if (seg && ev.button === 0) {
      seg.removeAttribute("tabindex");
      document.addEventListener("mouseup", () => setTimeout(() => { seg.tabIndex = 0; }), { once: true });
    }
  });
  document.addEventListener("click", (ev) => {
    const bar = ev.target.closest && ev.target.closest(".stripe");
    if (bar && openHook) openHook(+bar.dataset.ex);
  });
  document.addEventListener("keydown", (ev) => {
    const seg = ev.target.closest && ev.target.closest("#transcript .seg.hl");
    if (seg && ev.key === "Enter" && openHook && window.getSelection().isCollapsed) {
      ev.preventDefault();
      ev.stopPropagation();
      pick(seg, openHook);
    }
  }, true);

  /* ---------- leaving ---------- */
  /* Leaving or reloading asks first while `unsaved()` says the panel holds unsaved work. */
  function guardLeave(unsaved) {
    window.addEventListener("beforeunload", (ev) => {
      if (!unsaved()) return;
      ev.preventDefault();
      ev.returnValue = "";
    });
  }

  return { keysOf: keysOf, setDrawn: setDrawn, placeStripes: placeStripes, pick: pick, closeChooser: closeChooser,
    guardLeave: guardLeave };
})();
