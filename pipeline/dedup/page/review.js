// The duplicate review app: plain JavaScript, no library, no network. Every value is put on the page with
// textContent (never innerHTML), so text from the bank or an editor's file can never become markup.
"use strict";
(function () {
  const started = performance.now();
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const Q = DATA.questions;
  const STORE = "question-bank-dedup-verdicts";
  const REVIEWER = "question-bank-dedup-reviewer";
  const VIEW = "question-bank-dedup-view";
  const CHUNK = 100;
  const TOKEN = /[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*/g;
  const $ = (id) => document.getElementById(id);
  let local = load(STORE, {});
  let shown = [];
  let current = 0;
  let listLimit = CHUNK;

  function load(key, fallback) {
    try { return JSON.parse(localStorage.getItem(key)) || fallback; } catch (e) { return fallback; }
  }
  function save() { localStorage.setItem(STORE, JSON.stringify(local)); }
  // The decisions file orders a pair by id (pair_key in pipeline/dedup/decisions.py).
  function keyOf(a, b) { return a <= b ? a + "|" + b : b + "|" + a; }
  function today() { return new Date().toISOString().slice(0, 10); }
  // Control characters from the data are written out (\x1b, \u202e), never passed to the screen raw.
  const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function visible(text) {
    return String(text).replace(INVISIBLE, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0") : "\\u" + code.toString(16).padStart(4, "0");
    });
  }
  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = visible(v);
      else if (k === "class") node.className = v;
      else if (k.startsWith("data-") || k === "type" || k === "title") node.setAttribute(k, v);
      else node[k] = v;
    });
    (children || []).forEach((c) => c != null && node.append(c));
    return node;
  }
  function verdictOf(pair) {
    const mine = local[keyOf(pair.a, pair.b)];
    if (mine) return Object.assign({ here: true }, mine);
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
      " · [" + (q.tag || "no tag") + "] · line " + q.line;
  }
  function side(id, pair) {
    const q = Q[id];
    return el("div", {}, [el("div", { class: "meta", text: where(q) }), highlighted(q.text, new Set(pair.shared), new Set(pair.shared_names)),
      el("div", { class: "meta", text: "id " + id })]);
  }
  function kind(pair) {
    if (verdictOf(pair)) return "decided";
    return pair.status === "needs review" ? "flagged" : pair.queue_rank ? "review band" : pair.status;
  }
  function pairCard(pair, index) {
    const v = verdictOf(pair);
    const head = [pair.queue_rank ? "#" + pair.queue_rank : null, "score " + pair.score.toFixed(3), kind(pair),
      pair.group ? "group " + pair.group : null, pair.same_section ? "same section" : Q[pair.a].chapter !== Q[pair.b].chapter ? "different chapters" : null]
      .filter(Boolean).join(" · ");
    const why = Object.entries(pair.components).map(([k, x]) => k + " " + x.toFixed(2)).join(" · ") +
      (pair.shared_names.length ? " — shared names: " + pair.shared_names.join(", ") : "");
    const card = el("article", { class: "pair", "data-a": pair.a, "data-b": pair.b, "data-index": String(index), "data-verdict": v ? v.verdict : "" }, [
      el("div", {}, [el("strong", { text: head })]),
      el("div", { class: "why", text: "why: " + why }),
      el("div", { class: "sides" }, [side(pair.a, pair), side(pair.b, pair)]),
      el("div", { class: "verdict", text: v ? "Verdict: " + v.verdict + " (" + (v.here ? "here, not yet exported" : v.reviewer) + ", " + v.date + ")" + (v.note ? " — " + v.note : "") : "No verdict yet" }),
      pair.earlier ? el("div", { class: "earlier", text: "Decided before an edit: " + pair.earlier.verdict + " by " + pair.earlier.reviewer + " on " + pair.earlier.date + (pair.earlier.note ? " — " + pair.earlier.note : "") }) : null,
      el("div", { class: "actions" }, [["duplicate", "y"], ["distinct", "n"], ["related", "r"], ["unsure", "u"]].map(([verdict, key]) =>
        el("button", { type: "button", text: verdict + " (" + key + ")", "data-verdict": verdict, onclick: () => { current = index; decide(verdict); } }))),
    ]);
    return card;
  }
  function matches(pair) {
    const chapter = $("chapter").value, status = $("status").value, min = parseFloat($("min-score").value) || 0;
    const words = $("search").value.trim().toLowerCase();
    if (chapter && String(Q[pair.a].chapter) !== chapter && String(Q[pair.b].chapter) !== chapter) return false;
    const v = verdictOf(pair);
    if (status === "open" && v) return false;
    if (status === "decided" && !v) return false;
    if (status === "needs review" && (v || pair.status !== "needs review")) return false;
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
    const at = before ? shown.indexOf(before) : -1;
    current = at >= 0 ? at : Math.min(current, Math.max(shown.length - 1, 0));
    render();
  }
  function renderOne() {
    const box = $("one");
    box.replaceChildren();
    if (!shown.length) { box.append(el("p", { text: "No pair matches: every pair here is decided, or the filters hide them." })); return; }
    box.append(el("p", { class: "meta", text: "Pair " + (current + 1) + " of " + shown.length }));
    const card = pairCard(shown[current], current);
    card.classList.add("current");
    box.append(card);
  }
  function renderList() {
    const box = $("list");
    box.replaceChildren(el("p", { class: "meta", text: shown.length + " pairs" }));
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
    box.replaceChildren(el("p", { class: "meta", text: DATA.groups.length + " groups of questions joined by flagged or confirmed pairs, in the bank's order" }));
    DATA.groups.forEach((g) => box.append(el("div", { class: "pair", "data-group": g.id }, [el("strong", { text: g.id + " · " + g.members.length + " questions" }),
      el("ul", {}, g.members.map((id) => el("li", {}, [el("span", { class: "meta", text: where(Q[id]) + ": " }), Q[id].text])))])));
  }
  function renderStale() {
    const box = $("stale");
    box.replaceChildren(el("p", { text: DATA.stale.length + " stale decisions: a question of the pair was edited or removed since it was decided. " +
      "Each shows the text then (from the decisions file) and the closest question now; the changed side is marked." }));
    DATA.stale.forEach((s) => {
      const sideView = (x) => el("div", { class: x.changed ? "changed" : "" }, [
        el("div", { class: "meta", text: (x.changed ? "changed · " : "unchanged · ") + "id then " + x.id }),
        el("div", {}, [el("strong", { text: "then: " }), (x.label_then ? x.label_then + " " : "") + (x.text_then || "(the decisions file does not record the text)")]),
        el("div", {}, [el("strong", { text: "now: " }), x.now_id ? Q[x.now_id].label + " " + Q[x.now_id].text : "(no similar question now)"]),
      ]);
      box.append(el("article", { class: "pair", "data-stale-line": String(s.line) }, [
        el("div", { class: "verdict", text: s.verdict + " · " + s.reviewer + " · " + s.date + (s.note ? " — " + s.note : "") + " (decisions file line " + s.line + ")" }),
        el("div", { class: "sides" }, [sideView(s.a), sideView(s.b)])]));
    });
  }
  function render() {
    const view = localStorage.getItem(VIEW) || "one";
    document.querySelectorAll(".view").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.view === view)));
    document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("shown", p.id === view));
    ({ one: renderOne, list: renderList, groups: renderGroups, stale: renderStale })[view]();
    const made = Object.keys(local).length, c = DATA.counts;
    $("summary").textContent = c.questions + " questions · " + c.pairs + " candidate pairs scored · " + c.flagged + " flagged at score ≥ " + c.threshold +
      " · review queue: flagged pairs, then the next " + c.band + " · " + DATA.decisions.length + " decisions in the file (" + DATA.stale.length + " stale)";
    $("pending").textContent = made ? made + " verdicts made here, not yet exported" : "";
    const card = document.querySelector(".panel.shown .pair.current");
    if (card && view === "list") card.scrollIntoView({ block: "nearest" });
  }
  function decide(verdict) {
    const pair = shown[current];
    if (!pair) return;
    const key = keyOf(pair.a, pair.b);
    if (verdict === "unsure") delete local[key];
    else local[key] = { verdict: verdict, date: today(), reviewer: $("reviewer").value.trim() };
    save();
    refresh(shown[current + 1] || (matches(pair) ? pair : shown[current - 1]));  // on to the next pair
  }
  function move(step) {
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
    const reviewer = $("reviewer").value.trim();
    const rows = new Map();
    DATA.decisions.forEach((d) => rows.set(keyOf(d.question_id_a, d.question_id_b), d));
    Object.entries(local).forEach(([key, v]) => {
      const [a, b] = key.split("|");
      if (!Q[a] || !Q[b]) return;  // a pair of another build of the bank
      const before = rows.get(key) || {};
      rows.set(key, { question_id_a: a, question_id_b: b, verdict: v.verdict, reviewer: v.reviewer || reviewer, date: v.date,
        note: before.note || "", label_a: Q[a].label, label_b: Q[b].label, text_a: Q[a].text, text_b: Q[b].text });
    });
    return Array.from(rows.values());
  }
  function exportCsv() {
    const rows = exportRows();
    if (rows.some((r) => !r.reviewer)) {
      alert("Type your name in Reviewer first: every decision names who made it.");
      $("reviewer").focus();
      return;
    }
    const lines = [DATA.export_columns.join(",")].concat(rows.map((r) => DATA.export_columns.map((c) => csvCell(r[c === "date" ? "date" : c])).join(",")));
    const link = el("a", { href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" })), download: "duplicate_decisions.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  }
  function onKey(event) {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "Escape") { $("help").open && $("help").close(); document.activeElement.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const actions = { y: () => decide("duplicate"), n: () => decide("distinct"), r: () => decide("related"), u: () => decide("unsure"),
      j: () => move(1), ArrowDown: () => move(1), ArrowRight: () => move(1), k: () => move(-1), ArrowUp: () => move(-1), ArrowLeft: () => move(-1),
      "?": () => $("help").showModal(), "/": () => $("search").focus() };
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }

  DATA.chapters.forEach((c) => $("chapter").append(el("option", { value: String(c.id), text: c.id + " — " + c.title })));
  $("reviewer").value = localStorage.getItem(REVIEWER) || "";
  $("reviewer").addEventListener("input", () => localStorage.setItem(REVIEWER, $("reviewer").value.trim()));
  ["chapter", "status", "min-score", "search", "sort"].forEach((id) => $(id).addEventListener("input", () => { listLimit = CHUNK; refresh(); }));
  document.querySelectorAll(".view").forEach((b) => b.addEventListener("click", () => { localStorage.setItem(VIEW, b.dataset.view); render(); }));
  $("export").addEventListener("click", exportCsv);
  $("close-help").addEventListener("click", () => $("help").close());
  document.addEventListener("keydown", onKey);
  refresh();
  window.reviewRenderMs = performance.now() - started;
})();
