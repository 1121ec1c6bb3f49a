// The duplicate review app. Two modes, one page:
// - live (served by `make review`): a verdict goes straight into raw/duplicate_decisions.csv through the local
//   server, the server rebuilds, and the page reads the new build's data when it is published: the file is the truth;
// - static (opened from file://): verdicts are kept in this browser until exported, and the file wins: a verdict the
//   file already holds, or one the file changed since it was made here, is dropped from the browser on load.
// Every value is put on the page with textContent (Workbench.el), so text from the bank or a file never becomes markup.
"use strict";
(function () {
  const started = performance.now();
  const { el, visible, plural } = Workbench;
  let DATA = JSON.parse(document.getElementById("data").textContent);
  let Q = DATA.questions;
  const STORE = "question-bank-dedup-verdicts";
  const REVIEWER = "question-bank-dedup-reviewer";
  const VIEW = "question-bank-dedup-view";
  const CHUNK = 100;
  const TOKEN = /[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*/g;
  const $ = (id) => document.getElementById(id);
  let local = Workbench.live ? {} : load(STORE, {});  // static mode: verdicts made here, not yet in the file
  const truth = Workbench.truth("duplicate_decisions", () => render());  // live: what the file holds now, each poll
  let taken = new Set();  // live: the pairs other editors have open (theirs to decide first)
  const undoStack = [];  // keys decided here, newest last (static: with what the browser held before)
  let shown = [];
  let current = 0;
  let listLimit = CHUNK;
  let message = "";
  let confirmFor = null;  // a verdict refused because another editor's stands: the same key again confirms it
  let others = [];  // what other editors wrote while this page is open, newest first
  // The queue when the page opened: "decided 6 of 20" keeps 20 however the rebuilt queue changes under it.
  const opened = new Set(DATA.pairs.filter((p) => p.status === "needs review" && !p.decision).map((p) => keyOf(p.a, p.b)));

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save() { if (!Workbench.live) localStorage.setItem(STORE, JSON.stringify(local)); }
  // The decisions file orders a pair by id (pair_key in pipeline/dedup/decisions.py).
  function keyOf(a, b) { return a <= b ? a + "|" + b : b + "|" + a; }
  function today() { return new Date().toISOString().slice(0, 10); }
  function fileDecisions() {
    const out = {};
    DATA.decisions.forEach((d) => { out[keyOf(d.question_id_a, d.question_id_b)] = d; });
    return out;
  }
  function same(x, y) { return Boolean(x) && Boolean(y) && x.verdict === y.verdict && x.date === y.date && (x.reviewer || "") === (y.reviewer || ""); }
  // The file wins: drop what the browser holds that the file already has, or that the file changed since.
  function reconcile() {
    const file = fileDecisions();
    let dropped = 0;
    Object.entries(local).forEach(([key, v]) => {
      const now = file[key];
      const exported = now && now.verdict === v.verdict && (now.cut || "") === (v.cut || "");
      const changedSince = v.over === undefined ? Boolean(now) : !(now ? same(now, v.over) : v.over === null);
      if (exported || changedSince) { delete local[key]; dropped += 1; }
    });
    if (dropped) save();
    return dropped;
  }
  function verdictOf(pair) {
    const key = keyOf(pair.a, pair.b);
    const mine = Workbench.live ? truth.of(key) : local[key];
    if (mine !== undefined) return mine && Object.assign({ here: !Workbench.live }, mine);
    return pair.decision ? Object.assign({ here: false }, pair.decision) : null;
  }
  function highlighted(text, shared, names) {
    const box = el("div", { class: "text" });
    let last = 0;
    for (const m of text.matchAll(TOKEN)) {
      const word = m[0].toLowerCase();
      if (!shared.has(word)) continue;
      box.append(visible(text.slice(last, m.index)), el("mark", { class: names.has(word) ? "name" : "", text: m[0] }));
      last = m.index + m[0].length;
    }
    box.append(visible(text.slice(last)));
    return box;
  }
  function where(q) {
    return q.label + " · Chapter " + q.chapter + " — " + q.chapter_title + " › " + q.section + " " + q.section_title +
      " · [" + (q.tag || "no tag") + "] · question on line " + q.line;
  }
  function side(id, pair) {
    const q = Q[id];
    const before = q.refers_back && q.prev && Q[q.prev] ? el("div", { class: "context" },
      [el("span", { class: "meta", text: "It follows " + Q[q.prev].label + ": " }), Q[q.prev].text]) : null;
    return el("div", {}, [el("div", { class: "meta", text: where(q) }), before, highlighted(q.text, new Set(pair.shared), new Set(pair.shared_names)),
      el("div", { class: "meta", text: "id " + id })]);
  }
  // The score's parts in plain words; the figures on demand.
  function why(pair) {
    const c = pair.components, words = [];
    const strength = (x) => (x >= 0.8 ? "nearly the same" : x >= 0.6 ? "much the same" : "some shared");
    if (c.semantic != null) words.push(strength(c.semantic) + " meaning");
    if (c.lexical != null) words.push(strength(c.lexical) + " wording");
    if (pair.shared_names.length) words.push("both name " + pair.shared_names.join(", "));
    if (c["names conflict"]) words.push("but they name different things");
    // the signals the score is made of; the names' agreement and conflict only where they are a step of this score
    // (a weight of 0 makes them none: "names agree 0.47" beside a waterfall without it misled)
    const stepNames = new Set((pair.steps || []).map(([name]) => name));
    const figures = Object.entries(c).filter(([k]) => !k.startsWith("names ") || stepNames.has(k)).map(([k, x]) => k + " " + x.toFixed(2)).join(" · ");
    return el("details", { class: "why" }, [el("summary", { text: "Why flagged: " + (words.join("; ") || "similar text") }), el("div", { class: "meta", text: figures }),
      waterfall(pair)]);
  }
  // The score as steps that add up to it (pipeline/similarity/score.py score_steps): each part's bar starts where the
  // last ended; the dashed line is the threshold.
  function waterfall(pair) {
    const box = el("div", { class: "fall", "aria-label": "the score, part by part" });
    const scale = (x) => Math.max(0, Math.min(100, x * 100)) + "%";
    let at = 0;
    const row = (label, from, to, kind, said) => {
      const bar = el("span", { class: "step " + kind }), track = el("span", { class: "track" }, [bar, el("span", { class: "line" })]);
      bar.style.left = scale(Math.min(from, to));
      bar.style.width = scale(Math.abs(to - from));
      track.lastChild.style.left = scale(DATA.counts.threshold);
      box.append(el("span", { text: label }), track, el("span", { class: "meta", text: said }));
    };
    (pair.steps || []).forEach(([label, delta]) => { row(label, at, at + delta, delta < 0 ? "down" : "", (delta >= 0 ? "+" : "") + delta.toFixed(3)); at += delta; });
    row("score", 0, pair.score, "total", pair.score.toFixed(3));
    return box;
  }
  function kind(pair) {
    if (verdictOf(pair)) return "decided";
    return pair.status === "needs review" ? "flagged" : pair.queue_rank ? "review band (optional)" : pair.status;
  }
  function verdictLine(v) {
    if (!v) return "No verdict yet";
    const where = v.sent ? "being written to the file" : v.here ? "here, not yet exported (e exports)" : "in the file, " + v.reviewer;
    return "Verdict: " + v.verdict + " (" + where + ", " + v.date + ")" + (v.note ? " — " + v.note : "");
  }
  function pairCard(pair, index) {
    const v = verdictOf(pair);
    const head = [pair.queue_rank ? "#" + pair.queue_rank : null, "score " + pair.score.toFixed(3), kind(pair),
      pair.group ? "group " + pair.group : null, pair.same_section ? "same section" : Q[pair.a].chapter !== Q[pair.b].chapter ? "different chapters" : null]
      .filter(Boolean).join(" · ");
    return el("article", { class: "pair", "data-a": pair.a, "data-b": pair.b, "data-index": String(index), "data-verdict": v ? v.verdict : "" }, [
      el("div", {}, [el("strong", { text: head })]),
      why(pair),
      el("div", { class: "sides" }, [side(pair.a, pair), side(pair.b, pair)]),
      el("div", { class: "verdict", text: verdictLine(v) }),
      pair.earlier ? el("div", { class: "earlier" }, [
        el("span", { text: "Decided before an edit: " + pair.earlier.verdict + " by " + pair.earlier.reviewer + " on " + pair.earlier.date + " — " }),
        el("button", { type: "button", text: "carry it forward (c)", onclick: () => { current = index; carry(); } })]) : null,
      el("div", { class: "actions" }, [["duplicate", "y"], ["distinct", "n"], ["related", "r"], ["unsure", "u"]].map(([verdict, key]) =>
        el("button", { type: "button", text: verdict + " (" + key + ")", "data-verdict": verdict, onclick: () => { current = index; decide(verdict); } }))),
    ]);
  }
  function matches(pair) {
    const chapter = $("chapter").value, status = $("status").value, min = parseFloat($("min-score").value) || 0;
    const words = $("search").value.trim().toLowerCase();
    if (chapter && String(Q[pair.a].chapter) !== chapter && String(Q[pair.b].chapter) !== chapter) return false;
    const v = verdictOf(pair);
    if (status === "open" && (v || pair.status !== "needs review")) return false;
    if (status === "decided" && !v) return false;
    if (status === "band" && (v || pair.status === "needs review" || !pair.queue_rank)) return false;
    if (pair.score < min) return false;
    if (words) {
      const hay = [Q[pair.a].text, Q[pair.b].text, Q[pair.a].label, Q[pair.b].label, pair.a, pair.b].join(" ").toLowerCase();
      if (!words.split(/\s+/).every((w) => hay.includes(w))) return false;
    }
    return true;
  }
  const SORTS = {
    queue: (p, q) => (p.queue_rank || 1e9) - (q.queue_rank || 1e9) || q.score - p.score,
    score: (p, q) => q.score - p.score,
    bank: (p, q) => Q[p.a].order - Q[q.a].order || Q[p.b].order - Q[q.b].order,
  };
  function refresh(keepPair) {
    const before = keepPair || shown[current];
    shown = DATA.pairs.filter(matches).sort(SORTS[$("sort").value]);
    const at = before ? shown.findIndex((p) => p.a === before.a && p.b === before.b) : -1;
    current = at >= 0 ? at : Math.min(current, Math.max(shown.length - 1, 0));
    render();
  }
  function openFlagged() { return DATA.pairs.filter((p) => p.status === "needs review" && !verdictOf(p)).length; }
  function decidedOfOpened() {
    const open = new Set(DATA.pairs.filter((p) => p.status === "needs review" && !verdictOf(p)).map((p) => keyOf(p.a, p.b)));
    return Array.from(opened).filter((key) => !open.has(key)).length;
  }
  function renderOne() {
    const box = $("one");
    box.replaceChildren();
    if (!shown.length) {
      const band = DATA.pairs.filter((p) => p.status !== "needs review" && p.queue_rank && !verdictOf(p)).length;
      const done = openFlagged() === 0;
      box.append(el("p", { class: done ? "done" : "", text: done
        ? "Done: every flagged pair is decided. " + plural(edits().length, "edit") + " to make (Edits to make). The review band below the threshold (" +
          plural(band, "pair") + ") is optional: Status › review band."
        : "No pair matches the filters." }));
      return;
    }
    box.append(el("p", { class: "meta", text: "Pair " + (current + 1) + " of " + shown.length }));
    const card = pairCard(shown[current], current);
    card.classList.add("current");
    box.append(card);
  }
  function renderList() {
    const box = $("list");
    box.replaceChildren(el("p", { class: "meta", text: plural(shown.length, "pair") }));
    if (current >= listLimit) listLimit = Math.ceil((current + 1) / CHUNK) * CHUNK;
    shown.slice(0, listLimit).forEach((pair, i) => {
      const card = pairCard(pair, i);
      if (i === current) card.classList.add("current");
      box.append(card);
    });
    if (shown.length > listLimit) box.append(el("button", { type: "button", class: "more", text: "Show " + Math.min(CHUNK, shown.length - listLimit) + " more",
      onclick: () => { listLimit += CHUNK; renderList(); } }));
  }
  function renderGroups() {
    const box = $("groups");
    box.replaceChildren(el("p", { class: "meta", text: plural(DATA.groups.length, "group") + " of questions joined by flagged or confirmed pairs, in the bank's order" }));
    DATA.groups.forEach((g) => box.append(el("div", { class: "pair", "data-group": g.id }, [el("strong", { text: g.id + " · " + plural(g.members.length, "question") }),
      el("ul", {}, g.members.map((id) => el("li", {}, [el("span", { class: "meta", text: where(Q[id]) + ": " }), Q[id].text])))])));
  }
  // A confirmed duplicate is an edit to make: cut (or merge into the other) the later question unless the editor picked.
  function edits() {
    return DATA.pairs.filter((p) => { const v = verdictOf(p); return v && v.verdict === "duplicate"; }).map((p) => {
      const v = verdictOf(p);
      const cut = v.cut && Q[v.cut] ? v.cut : (Q[p.a].order > Q[p.b].order ? p.a : p.b);
      return { pair: p, cut: cut, keep: cut === p.a ? p.b : p.a, picked: Boolean(v.cut) };
    }).sort((x, y) => Q[x.cut].order - Q[y.cut].order);
  }
  let editAt = 0;
  function renderEdits() {
    const box = $("edits"), list = edits();
    editAt = Math.min(editAt, Math.max(list.length - 1, 0));
    box.replaceChildren(el("p", { text: plural(list.length, "confirmed duplicate") + ": cut or merge one question of each (make check warns until the bank no longer holds both). " +
      "x swaps which one; j/k move." }));
    list.forEach((e, i) => box.append(el("article", { class: "pair" + (i === editAt ? " current" : ""), "data-cut": e.cut }, [
      el("div", {}, [el("strong", { text: "Cut " + Q[e.cut].label + " (line " + Q[e.cut].line + ")" }), el("span", { class: "meta", text: e.picked ? " · picked by the editor" : " · the later one" })]),
      el("div", { class: "text", text: Q[e.cut].text }),
      el("div", { class: "meta", text: "keeping " + Q[e.keep].label + ": " + Q[e.keep].text }),
      el("button", { type: "button", text: "cut the other one instead (x)", onclick: () => { editAt = i; swapCut(); } })])));
  }
  function renderStale() {
    const box = $("stale");
    box.replaceChildren(el("p", { text: plural(DATA.stale.length, "stale decision") + ": a question of the pair was edited or removed since it was decided. " +
      "Each shows the words that changed; where the pair still exists, carry the verdict forward with c on that pair." }));
    DATA.stale.forEach((s) => {
      const sideView = (x) => el("div", { class: x.changed ? "changed" : "" }, [
        el("div", { class: "meta", text: (x.changed ? "changed · " : "unchanged · ") + "id then " + x.id }),
        x.changed && x.text_then && x.now_id ? el("div", {}, [el("strong", { text: "edit: " }), Workbench.wordDiff(x.text_then, Q[x.now_id].text)])
          : el("div", {}, [el("strong", { text: "then: " }), (x.label_then ? x.label_then + " " : "") + (x.text_then || "(the decisions file does not record the text)")]),
        el("div", {}, [el("strong", { text: "now: " }), x.now_id ? Q[x.now_id].label + " " + Q[x.now_id].text : "(no similar question now)"]),
      ]);
      box.append(el("article", { class: "pair", "data-stale-line": String(s.line) }, [
        el("div", { class: "verdict", text: s.verdict + " · " + s.reviewer + " · " + s.date + (s.note ? " — " + s.note : "") + " (decisions file line " + s.line + ")" }),
        el("div", { class: "sides" }, [sideView(s.a), sideView(s.b)])]));
    });
  }
  // What a threshold would do: the score histogram of every candidate pair, and at the threshold tried, how many pairs
  // it flags and how the queue would change. Nothing is written: the threshold is the scorer's (docs/dedup.md).
  let tried = null;
  function atLeast(counts, t) {
    const from = Math.round(t * DATA.scores.bins);
    return counts.slice(Math.max(0, from)).reduce((a, b) => a + b, 0);
  }
  // The slider is made once and kept while the view is shown: replacing it on each input event ended a mouse drag
  // (#43), so a drag redraws the chart and the counts around it, never the slider itself.
  let chosenBin = null;  // a bar clicked: its pairs are listed under the chart
  // Estimated precision from the editors' own verdicts (beyond Splink's threshold view): per 0.05 of score, the share
  // of decided pairs the editors called duplicate, with a 95% Wilson interval and examples; and at the threshold tried.
  function wilson(k, n) {
    if (!n) return [0, 1];
    const z = 1.96, p = k / n, d = 1 + z * z / n, mid = (p + z * z / (2 * n)) / d, half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d;
    return [Math.max(0, mid - half), Math.min(1, mid + half)];
  }
  function renderPrecision(threshold) {
    const decided = DATA.pairs.map((p) => [p, verdictOf(p)]).filter(([, v]) => v);
    const pct = (x) => Math.round(100 * x) + "%";
    const over = decided.filter(([p]) => p.score >= threshold), hits = over.filter(([, v]) => v.verdict === "duplicate").length;
    const [lo, hi] = wilson(hits, over.length);
    const head = el("p", { id: "precision-at", text: over.length
      ? "Estimated precision at " + threshold.toFixed(2) + ": " + hits + " of " + plural(over.length, "decided pair") + " scoring that high are duplicates, " + pct(hits / over.length) +
        " (95% interval " + pct(lo) + "–" + pct(hi) + "), from the editors' verdicts on this page's pairs."
      : "No decided pair scores " + threshold.toFixed(2) + " or more yet: the editors' verdicts will estimate the precision." });
    const bands = [];
    for (let b = 19; b >= 0; b--) {
      const inBand = decided.filter(([p]) => Math.min(19, Math.floor(p.score * 20 + 1e-9)) === b);
      if (!inBand.length) continue;
      const dup = inBand.filter(([, v]) => v.verdict === "duplicate");
      const [blo, bhi] = wilson(dup.length, inBand.length);
      const example = (pick) => pick ? Q[pick[0].a].label + " ~ " + Q[pick[0].b].label + " (" + pick[1].verdict + ")" : "";
      bands.push(el("tr", { "data-band": String(b) }, [(b / 20).toFixed(2) + "–" + ((b + 1) / 20).toFixed(2), String(inBand.length), String(dup.length),
        pct(dup.length / inBand.length) + " (" + pct(blo) + "–" + pct(bhi) + ")", [example(dup[0]), example(inBand.find(([, v]) => v.verdict !== "duplicate"))].filter(Boolean).join(" · ")]
        .map((x) => el("td", { text: x }))));
    }
    $("precision").replaceChildren(head);
    if (bands.length) $("precision").append(el("table", {}, [el("tr", {}, ["score band", "decided", "duplicate", "estimated precision (95%)", "examples"]
      .map((h) => el("th", { text: h })))].concat(bands)));
  }
  function renderScore() {
    const box = $("score"), s = DATA.scores, now = DATA.counts.threshold;
    if (tried === null) tried = Math.round(now * 100) / 100;
    let slider = box.querySelector("#try");
    if (!slider) {
      slider = el("input", { id: "try", type: "range", min: "0", max: "1", step: "0.01", value: String(tried), "aria-label": "threshold to try" });
      slider.addEventListener("input", () => { tried = Number(slider.value); renderScore(); });
      box.replaceChildren(el("p", { id: "score-head" }), el("div", { id: "score-chart" }), slider, el("label", { htmlFor: "try", id: "score-tried-label" }),
        el("p", { id: "tried" }), el("div", { id: "precision" }), el("div", { id: "score-bin" }));
    } else if (Number(slider.value) !== tried) slider.value = String(tried);
    const width = 600, height = 140, left = 0, top = Math.max(1, ...s.all);
    const svgEl = (tag, attrs) => {
      const made = document.createElementNS("http://www.w3.org/2000/svg", tag);
      Object.entries(attrs || {}).forEach(([k, v]) => made.setAttribute(k, String(v)));
      return made;
    };
    const svg = svgEl("svg", { viewBox: "0 0 " + width + " " + height, class: "hist", preserveAspectRatio: "none", role: "img",
      "aria-label": "candidate pairs by score, 0 to 1; click a bar to list its pairs" });  // the bars span the slider's width
    s.all.forEach((n, i) => {
      if (!n) return;
      const h = Math.max(1, (height - 12) * Math.log1p(n) / Math.log1p(top));
      const bar = svgEl("rect", { x: left + i * width / s.bins, width: width / s.bins - 0.5, y: height - h, height: h, "data-bin": i,
        class: (i / s.bins >= tried - 1e-9 ? "over" : "") + (i === chosenBin ? " chosen" : "") });
      const title = svgEl("title");
      title.textContent = (i / s.bins).toFixed(2) + "–" + ((i + 1) / s.bins).toFixed(2) + ": " + plural(n, "pair");
      bar.append(title);
      bar.addEventListener("click", () => { chosenBin = chosenBin === i ? null : i; renderScore(); });
      svg.append(bar);
    });
    svg.append(svgEl("line", { x1: now * width, x2: now * width, y1: 0, y2: height }));
    // the axes, as text beside the chart (an SVG stretched to the slider's width would stretch its letters)
    const ticks = el("div", { class: "axis", "aria-hidden": "true" }, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((x) =>
      el("span", { text: x.toFixed(1) })));
    $("score-chart").replaceChildren(el("div", { class: "yaxis meta", text: "pairs per 0.01 of score (log scale): tallest bar " + top }), svg, ticks,
      el("div", { class: "meta", text: "score →" }));
    const flaggedNow = atLeast(s.undecided, now), flaggedThen = atLeast(s.undecided, tried);
    const band = DATA.counts.band || 0;
    const queue = (t) => atLeast(s.undecided, t) + Math.min(band, s.undecided.reduce((a, b) => a + b, 0) - atLeast(s.undecided, t));
    // counted from the build's histogram (every candidate pair), as the flagged counts are: the page holds only the
    // flagged pairs and the review band, so counting its pairs said 20 where the build has 32
    const between = (lo, hi) => Math.max(0, atLeast(s.undecided, lo) - atLeast(s.undecided, hi));
    const leaving = tried > now ? between(now, tried) : 0, entering = tried < now ? between(tried, now) : 0;
    const enteringHere = DATA.pairs.filter((p) => !p.decision && p.score >= tried && p.score < now).length;
    $("score-head").textContent = "Candidate pairs by score (" + plural(s.all.reduce((a, b) => a + b, 0), "pair") + "; bar heights on a log scale). The dashed line is the threshold in use, " +
      now + ". Try another with the slider or [ and ]: nothing is written. Click a bar to list its pairs. Verdict keys act in One pair and List only.";
    $("score-tried-label").textContent = "Threshold to try: " + tried.toFixed(2);
    $("tried").textContent = "At " + tried.toFixed(2) + ": " + plural(flaggedThen, "undecided pair") + " flagged (" + plural(flaggedNow, "pair") + " at " + now + "), " +
      plural(atLeast(s.all, tried), "pair") + " scoring that high in all; the queue would hold " + queue(tried) + " (now " + queue(now) + ")." +
      (leaving ? " " + plural(leaving, "flagged pair") + " of this queue would leave it." : "") +
      (entering ? " " + plural(entering, "undecided pair") + " below " + now + " would be flagged" + (enteringHere < entering ? " (" + enteringHere + " of them on this page: the review band)" : "") + "." : "");
    renderPrecision(tried);
    const binBox = $("score-bin");
    if (chosenBin === null) { binBox.replaceChildren(); return; }
    const inBin = DATA.pairs.filter((p) => Math.min(s.bins - 1, Math.floor(Math.round(p.score * s.bins * 1e6) / 1e6)) === chosenBin)
      .sort((p, q) => q.score - p.score);
    binBox.replaceChildren(el("p", { text: "Scores " + (chosenBin / s.bins).toFixed(2) + "–" + ((chosenBin + 1) / s.bins).toFixed(2) + ": " +
      plural(s.all[chosenBin], "pair") + " in all, " + inBin.length + " of them on this page (it holds the flagged pairs and the review band)." }),
      el("table", {}, [el("tr", {}, ["score", "questions", "verdict"].map((h) => el("th", { text: h })))].concat(inBin.slice(0, 200).map((p) => {
        const v = verdictOf(p);
        return el("tr", { "data-a": p.a, "data-b": p.b }, [el("td", { text: p.score.toFixed(3) }), el("td", { text: Q[p.a].label + " ~ " + Q[p.b].label + ": " + Q[p.a].text.slice(0, 80) + " / " + Q[p.b].text.slice(0, 80) }),
          el("td", { text: v ? v.verdict + " (" + v.reviewer + ")" : "—" })]);
      }))));
  }
  // Who decided what and when, overwritten and undone verdicts too (raw/verdict_history.csv, newest first).
  function renderHistory() {
    const box = $("history");
    if (!Workbench.live) {
      box.replaceChildren(el("p", { text: "The verdict history is kept in raw/verdict_history.csv by make review, and in the warehouse (stg_verdict_history); open this page through make review to see it here." }));
      return;
    }
    box.replaceChildren(el("p", { class: "meta", text: "Reading the verdict history…" }));
    fetch("/api/history", { headers: { "X-Workbench-Token": Workbench.settings.token } }).then((r) => r.json()).then((answer) => {
      const rows = answer.history || [];
      box.replaceChildren(el("p", { text: plural(rows.length, "verdict") + " written through the workbench, newest first (raw/verdict_history.csv)" }),
        el("table", {}, [el("tr", {}, ["when", "who", "what", "file", "questions", "verdict", "replaced"].map((h) => el("th", { text: h })))]
          .concat(rows.map((h) => el("tr", {}, [h.written_at, h.reviewer, h.action, h.file, h.labels || h.key, h.verdict || "(none)",
            h.previous_verdict ? h.previous_verdict + " (" + h.previous_reviewer + ")" : ""].map((x) => el("td", { text: x })))))));
    }).catch((error) => box.replaceChildren(el("p", { text: "The history could not be read: " + error.message })));
  }
  function tryThreshold(step) {
    if (localStorage.getItem(VIEW) !== "score") return;
    tried = Math.max(0, Math.min(1, Math.round(((tried === null ? DATA.counts.threshold : tried) + step) * 100) / 100));
    renderScore();
  }
  function render() {
    const view = localStorage.getItem(VIEW) || "one";
    document.querySelectorAll(".view").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.view === view)));
    document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("shown", p.id === view));
    ({ one: renderOne, list: renderList, groups: renderGroups, edits: renderEdits, stale: renderStale, score: renderScore, history: renderHistory })[view]();
    const c = DATA.counts;
    $("summary").textContent = "Decided " + decidedOfOpened() + " of " + opened.size + " (the flagged pairs to decide when this page opened) · " +
      c.questions + " questions · " + c.pairs + " candidate pairs scored · " + openFlagged() + " flagged pairs to decide now (score ≥ " + c.threshold + ") · " + plural(edits().length, "edit") + " to make · " + plural(DATA.decisions.length, "decision") + " in the file (" + DATA.stale.length + " stale)";
    $("others").textContent = others.length ? "Other editors: " + others.slice(0, 3).map(Workbench.told).join(" · ") : "";
    const made = Object.keys(local).length;
    $("pending").textContent = message || (Workbench.live ? "" : made ? plural(made, "verdict") + " made here, not yet exported (e exports) · " + DATA.decisions.length + " in the file"
      : "Everything decided here is in the file.");
    const card = document.querySelector(".panel.shown .pair.current");
    if (card && (view === "list" || view === "edits")) card.scrollIntoView({ block: "nearest" });
  }
  function reviewer() {
    const name = $("reviewer").value.trim();
    if (!name) { message = "Type your name in Reviewer first (then Esc): every verdict names who made it."; render(); $("reviewer").focus(); }
    return name;
  }
  function record(pair, verdict, extra) {
    const key = keyOf(pair.a, pair.b);
    const name = reviewer();
    if (!name) return false;
    message = "";
    const entry = verdict === "unsure" ? null : Object.assign({ verdict: verdict, date: today(), reviewer: name, sentAt: Date.now() }, extra || {});
    if (Workbench.live) {
      const confirm = Boolean(confirmFor && confirmFor.key === key && confirmFor.verdict === verdict);
      confirmFor = null;
      const step = { key: key };
      undoStack.push(step);
      const note = $("note").value.trim();
      if (entry && note) entry.note = note;
      truth.send(key, entry);
      Workbench.call("/api/pair", { a: pair.a, b: pair.b, verdict: entry && entry.verdict, reviewer: name, cut: entry && entry.cut,
        note: entry ? entry.note || "" : "", retire: extra && extra.retire, confirm: confirm })
        .then((answer) => {
          Object.entries(answer.held || {}).forEach(([k, row]) => truth.answered(k, row));
          if (entry && note) $("note").value = "";
          if (answer.kept) {  // the same verdict as a colleague's: theirs stays theirs, nothing written, nothing to undo
            undoStack.splice(undoStack.indexOf(step), 1);
            message = answer.kept.reviewer + " already decided " + answer.kept.verdict + " on this pair (" + answer.kept.date + "): kept as theirs.";
          }
          render();
        })
        .catch((error) => {
          truth.refused(key);
          if (undoStack.includes(step)) undoStack.splice(undoStack.indexOf(step), 1);
          if (error.conflict) {  // another editor's verdict stands: shown by name, replaced only if this editor confirms
            const c = error.conflict;
            confirmFor = { key: key, verdict: verdict };
            message = c.reviewer + " decided " + (c.verdict || "nothing") + " on this pair (" + c.date + "): press the same key again to replace it, or move on to leave it.";
            refresh(pair);
          } else { message = "Not written: " + error.message; render(); }
        });
    } else {
      undoStack.push({ key: key, before: local[key] });
      const file = fileDecisions()[key] || null;
      if (entry) local[key] = Object.assign(entry, { over: file && { verdict: file.verdict, date: file.date, reviewer: file.reviewer } });
      else delete local[key];
      save();
    }
    return true;
  }
  // Verdict keys act on the pair on screen only: the views that show no current pair (groups, edits, stale, score,
  // history) take none, so a key never writes a verdict on a pair the editor cannot see.
  function pairOnScreen() {
    const view = localStorage.getItem(VIEW) || "one";
    if (view === "one" || view === "list") return shown[current] || null;
    message = "This view shows no pair to decide: verdict keys act in One pair and List.";
    render();
    return null;
  }
  // The next pair after a verdict: the next one down the list that no other editor has open.
  function nextPair(pair) {
    const after = shown.slice(current + 1).find((p) => !taken.has(keyOf(p.a, p.b)));
    return after || shown[current + 1] || (matches(pair) ? pair : shown[current - 1]);
  }
  function decide(verdict) {
    const pair = pairOnScreen();
    if (!pair || !record(pair, verdict)) return;
    refresh(nextPair(pair));  // on to the next pair
  }
  function carry() {
    const pair = pairOnScreen();
    if (!pair || !pair.earlier) return;
    const stale = DATA.stale.find((s) => [s.a.now_id, s.b.now_id].sort().join("|") === keyOf(pair.a, pair.b));
    if (record(pair, pair.earlier.verdict, stale ? { retire: [stale.a.id, stale.b.id] } : {})) refresh(nextPair(pair));
  }
  function swapCut() {
    if (localStorage.getItem(VIEW) !== "edits") return;  // x acts on the edit on screen, in Edits to make only
    const e = edits()[editAt];
    if (!e) return;
    const v = verdictOf(e.pair);
    if (record(e.pair, "duplicate", { cut: e.keep, note: v.note || "" })) render();
  }
  function undo() {
    const last = undoStack.pop();
    if (!last) { message = "Nothing to undo."; render(); return; }
    const pair = DATA.pairs.find((p) => keyOf(p.a, p.b) === last.key);
    if (Workbench.live) {
      const name = reviewer();
      if (!name) { undoStack.push(last); return; }
      truth.send(last.key, null);  // shown undecided at once; the answer says what the file holds again
      Workbench.call("/api/undo", { reviewer: name }).then((answer) => {
        Object.entries(answer.held || {}).forEach(([k, row]) => truth.answered(k, row));
        message = "Undone: the pair is as before your verdict.";
        render();
      }).catch((error) => { truth.refused(last.key); message = "Not undone: " + error.message; refresh(pair); });
    } else {
      if (last.before) local[last.key] = last.before; else delete local[last.key];
      save();
      message = "Undone.";
    }
    refresh(pair);  // back to the undone pair
  }
  function move(step) {
    if (localStorage.getItem(VIEW) === "edits") { editAt = Math.max(0, Math.min(edits().length - 1, editAt + step)); render(); return; }
    if (!shown.length) return;
    current = Math.max(0, Math.min(shown.length - 1, current + step));
    render();
  }
  function neutralised(cell) { return /^[=+\-@\t\r]/.test(cell) ? "'" + cell : cell; }  // OWASP: no formula-like cell
  function csvCell(value) {
    const cell = neutralised(value == null ? "" : String(value));
    return /[",\n\r]/.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
  }
  function exportRows() {
    const rows = new Map();
    DATA.decisions.forEach((d) => rows.set(keyOf(d.question_id_a, d.question_id_b), d));
    Object.entries(local).forEach(([key, v]) => {
      const [a, b] = key.split("|");
      if (!Q[a] || !Q[b]) return;  // a pair of another build of the bank
      const before = rows.get(key) || {};
      rows.set(key, { question_id_a: a, question_id_b: b, verdict: v.verdict, reviewer: v.reviewer, date: v.date,
        note: before.note || "", label_a: Q[a].label, label_b: Q[b].label, text_a: Q[a].text, text_b: Q[b].text, cut: v.cut || "" });
    });
    return Array.from(rows.values());
  }
  function exportCsv() {
    if (Workbench.live) { message = "Live: every verdict is already in raw/duplicate_decisions.csv."; render(); return; }
    const rows = exportRows();
    const lines = [DATA.export_columns.join(",")].concat(rows.map((r) => DATA.export_columns.map((c) => csvCell(r[c])).join(",")));
    const link = el("a", { href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" })), download: "duplicate_decisions.csv" });
    document.body.append(link);
    link.click();
    link.remove();
    message = "Exported " + plural(rows.length, "decision") + ": save the file over raw/duplicate_decisions.csv and run make all.";
    render();
  }
  function onKey(event) {
    if (Workbench.keysOff(event)) return;
    const actions = { y: () => decide("duplicate"), n: () => decide("distinct"), r: () => decide("related"), u: () => decide("unsure"),
      j: () => move(1), ArrowDown: () => move(1), ArrowRight: () => move(1), k: () => move(-1), ArrowUp: () => move(-1), ArrowLeft: () => move(-1),
      z: undo, e: exportCsv, c: carry, x: swapCut, "?": () => $("help").showModal(), "/": () => $("search").focus(),
      "[": () => tryThreshold(-0.01), "]": () => tryThreshold(0.01) };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }
  function published(data, state) {
    DATA = data;
    Q = DATA.questions;
    // (what the file holds now, told on every poll, still wins over the build's data; a message stays until the next action)
    refresh();
    $("mode").textContent = "Live: verdicts go straight into raw/duplicate_decisions.csv · " + Workbench.describe(state) + " · published " + state.generation;
  }

  const dropped = Workbench.live ? 0 : reconcile();
  $("mode").textContent = Workbench.live ? "Live: verdicts go straight into raw/duplicate_decisions.csv; the page follows each rebuild."
    : "Static page: verdicts stay in this browser until you export them (e)." + (dropped ? " " + plural(dropped, "verdict") + " made here dropped: the file holds them, or changed them since." : "");
  $("export").hidden = Workbench.live;
  DATA.chapters.forEach((c) => $("chapter").append(el("option", { value: String(c.id), text: c.id + " — " + c.title })));
  $("reviewer").value = localStorage.getItem(REVIEWER) || "";
  $("reviewer").addEventListener("input", () => localStorage.setItem(REVIEWER, $("reviewer").value.trim()));
  ["reviewer", "note"].forEach((id) => $(id).addEventListener("keydown", (event) => { if (event.key === "Enter") $(id).blur(); }));
  ["chapter", "status", "min-score", "search", "sort"].forEach((id) => $(id).addEventListener("input", () => { listLimit = CHUNK; refresh(); }));
  ["chapter", "status", "sort"].forEach((id) => $(id).addEventListener("change", () => $(id).blur()));  // a choice made: keys work again
  document.querySelectorAll(".view").forEach((b) => b.addEventListener("click", () => { localStorage.setItem(VIEW, b.dataset.view); render(); }));
  $("export").addEventListener("click", exportCsv);
  $("close-help").addEventListener("click", () => $("help").close());
  document.addEventListener("keydown", onKey);
  // Another editor's verdict: listed, and said at once when it is on the pair in view.
  function othersWrote(events) {
    const me = $("reviewer").value.trim();
    const theirs = events.filter((e) => e.file === "duplicate_decisions" && e.reviewer !== me);
    if (!theirs.length) return;
    others = theirs.reverse().concat(others).slice(0, 20);
    const inView = shown[current] && theirs.find((e) => e.key === keyOf(shown[current].a, shown[current].b));
    if (inView && !confirmFor) message = Workbench.told(inView) + " (this pair).";  // a conflict to confirm stays said
    render();
  }
  // Another editor has the pair on screen open first: this page moves on to one no one else has open (One pair view,
  // the flagged queue), as Label Studio hands each annotator a task of their own.
  function othersOpen(keys) {
    taken = keys;
    const view = localStorage.getItem(VIEW) || "one", pair = shown[current];
    if (view !== "one" || !pair || verdictOf(pair) || !taken.has(keyOf(pair.a, pair.b))) return;
    const free = shown.findIndex((p, i) => i > current && !taken.has(keyOf(p.a, p.b)) && !verdictOf(p));
    const other = free >= 0 ? free : shown.findIndex((p) => !taken.has(keyOf(p.a, p.b)) && !verdictOf(p));
    if (other < 0) return;
    current = other;
    message = "Another editor has that pair open: on to one no one else has.";
    render();
  }
  function showing() {
    const view = localStorage.getItem(VIEW) || "one", pair = shown[current];
    return (view === "one" || view === "list") && pair ? keyOf(pair.a, pair.b) : "";
  }
  if (Workbench.live) Workbench.watch((state) => { $("mode").textContent = "Live: verdicts go straight into raw/duplicate_decisions.csv · " + Workbench.describe(state); },
    published, othersWrote, truth, showing, othersOpen);
  refresh();
  window.reviewRenderMs = performance.now() - started;
})();
