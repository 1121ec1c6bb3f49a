// The tag audit's review app: one suspect at a time, the question first with its section neighbours, a key per
// verdict. Live (make review) a verdict goes straight into raw/tag_decisions.csv by question id; on the static page
// verdicts stay in this browser until exported, and the file wins (as on the duplicate review page).
"use strict";
(function () {
  const { el, plural } = Workbench;
  let DATA = JSON.parse(document.getElementById("data").textContent);
  const STORE = "question-bank-tag-verdicts", REVIEWER = "question-bank-dedup-reviewer";
  const $ = (id) => document.getElementById(id);
  let local = Workbench.live ? {} : load();
  const truth = Workbench.truth("tag_decisions", () => render());  // live: what the file holds now, each poll
  let taken = new Set();  // live: the suspects other editors have open
  const undoStack = [];
  let at = 0, message = "";
  let confirmFor = null;  // a verdict refused because another editor's stands: the same key again confirms it
  let others = [];  // what other editors wrote while this page is open, newest first
  const opened = new Set(DATA.queue.map((item) => item.question_id));  // the queue when the page opened: its size stays

  function load() { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  function save() { if (!Workbench.live) localStorage.setItem(STORE, JSON.stringify(local)); }
  function today() { return new Date().toISOString().slice(0, 10); }
  function fileVerdicts() { const out = {}; DATA.decisions.forEach((d) => { out[d.question_id] = d; }); return out; }
  function reconcile() {  // the file wins: what it holds, or changed since, leaves the browser
    const file = fileVerdicts();
    let dropped = 0;
    Object.entries(local).forEach(([id, v]) => {
      const now = file[id];
      const changedSince = v.over === undefined ? Boolean(now) : !(now ? v.over && now.verdict === v.over.verdict && now.date === v.over.date : v.over === null);
      if ((now && now.verdict === v.verdict) || changedSince) { delete local[id]; dropped += 1; }
    });
    if (dropped) save();
    return dropped;
  }
  function verdictOf(item) {
    const mine = Workbench.live ? truth.of(item.question_id) : local[item.question_id];
    if (mine !== undefined) return mine;
    return fileVerdicts()[item.question_id] || null;
  }
  function queue() { return DATA.queue.filter((item) => !verdictOf(item)); }
  function render() {
    const open = queue(), box = $("card");
    at = Math.min(at, Math.max(open.length - 1, 0));
    box.replaceChildren();
    if (!open.length) {
      box.append(el("p", { class: "done", text: "Done: every suspect has a verdict. Retags are listed under Edits to make in the appendix until the appendix carries them." }));
    } else {
      const item = open[at];
      const keys = DATA.tags.map((tag, i) => el("button", { type: "button", "data-tag": tag, text: (i + 1) + " " + tag + (tag === item.tag ? " (keep)" : ""),
        onclick: () => decide(tag === item.tag ? "keep" : "retag:" + tag) }));
      box.append(el("article", { class: "suspect", "data-question": item.question_id }, [
        el("p", { class: "meta", text: "Suspect " + (at + 1) + " of " + open.length + " · " + item.label + " · " + item.section + " · question on line " + item.line +
          (item.tag_line !== item.line ? " (its tag [" + item.tag + "] on line " + item.tag_line + ")" : "") }),
        item.before ? el("div", { class: "context", text: "before it, " + item.before.label + ": " + item.before.text }) : null,
        el("div", { class: "text", text: item.text }),
        item.after ? el("div", { class: "context", text: "after it, " + item.after.label + ": " + item.after.text }) : null,
        el("p", { text: "Tagged [" + item.tag + "]; a model that never saw it reads [" + item.suggested + "] (" + Math.round(100 * (item.suggested_probability || 0)) +
          "% against " + Math.round(100 * (item.tag_probability || 0)) + "% for its own tag)." }),
        item.earlier ? el("div", { class: "earlier" }, [
          el("span", { text: "Decided before the question was reworded: " + item.earlier.verdict + " by " + item.earlier.reviewer + " on " + item.earlier.date +
            (item.earlier.note ? " (" + item.earlier.note + ")" : "") + " — " }),
          el("button", { type: "button", text: "carry it forward (c)", onclick: carry })]) : null,
        el("div", { class: "keys" }, [el("button", { type: "button", text: "k keep [" + item.tag + "]", onclick: () => decide("keep") })].concat(keys)),
      ]));
    }
    const decided = Array.from(opened).filter((id) => !open.some((item) => item.question_id === id)).length;
    // each question's verdict once, as the page shows it (the file's now, or this page's): never a verdict twice
    const ids = new Set(Object.keys(fileVerdicts()).concat(Workbench.live ? truth.keys() : Object.keys(local)));
    const file = Array.from(ids).map((id) => verdictOf({ question_id: id })).filter(Boolean);
    const retags = (DATA.edits || []).length;
    $("tally").textContent = "Decided " + decided + " of " + opened.size + " (the suspects when this page opened) · " +
      plural(file.filter((v) => v.verdict === "keep").length, "tag") + " kept · " + plural(retags, "edit") + " to make in the appendix";
    $("others").textContent = others.length ? "Other editors: " + others.slice(0, 3).map(Workbench.told).join(" · ") : "";
    const made = Object.keys(local).length;
    $("pending").textContent = message || (Workbench.live ? "" : made ? plural(made, "verdict") + " made here, not yet exported (e exports)" : "Everything decided here is in the file.");
  }
  function reviewer() {
    const name = $("reviewer").value.trim();
    if (!name) { message = "Type your name in Reviewer first (then Esc): every verdict names who made it."; render(); $("reviewer").focus(); }
    return name;
  }
  // A verdict made before the question was reworded, carried forward to it: its stale row leaves the file (live).
  function carry() {
    const item = queue()[at];
    if (item && item.earlier) decide(item.earlier.verdict, item.earlier.question_id);
  }
  function decide(verdict, retire) {
    const item = queue()[at];
    const name = item && reviewer();
    if (!name) return;
    message = "";
    const entry = { verdict: verdict, reviewer: name, date: today(), label: item.label, sentAt: Date.now() };
    if (Workbench.live) {
      const confirm = Boolean(confirmFor && confirmFor.id === item.question_id && confirmFor.verdict === verdict);
      confirmFor = null;
      undoStack.push(item.question_id);
      const note = $("note").value.trim();
      if (note) entry.note = note;
      truth.send(item.question_id, entry);
      Workbench.call("/api/tag", { question_id: item.question_id, verdict: verdict, reviewer: name, note: note || (retire && item.earlier.note) || "",
        retire: retire, confirm: confirm })
        .then((answer) => {
          Object.entries(answer.held || {}).forEach(([k, row]) => truth.answered(k, row));
          if (note) $("note").value = "";
          if (answer.kept) {  // the same verdict as a colleague's: theirs stays theirs, nothing written, nothing to undo
            undoStack.splice(undoStack.lastIndexOf(item.question_id), 1);
            message = answer.kept.reviewer + " already decided " + answer.kept.verdict + " on " + item.label + " (" + answer.kept.date + "): kept as theirs.";
          }
          render();
        })
        .catch((error) => {
          truth.refused(item.question_id);
          if (undoStack.includes(item.question_id)) undoStack.splice(undoStack.lastIndexOf(item.question_id), 1);
          if (error.conflict) {  // another editor's verdict stands: shown by name, replaced only if this editor confirms
            const c = error.conflict;
            confirmFor = { id: item.question_id, verdict: verdict };
            message = c.reviewer + " decided " + (c.verdict || "nothing") + " on " + item.label + " (" + c.date + "): press the same key again to replace it, or move on to leave it.";
            const back = queue().findIndex((x) => x.question_id === item.question_id);
            at = back >= 0 ? back : at;
          } else message = "Not written: " + error.message;
          render();
        });
    } else {
      const file = fileVerdicts()[item.question_id] || null;
      undoStack.push(item.question_id);
      local[item.question_id] = Object.assign(entry, { over: file && { verdict: file.verdict, date: file.date } });
      save();
    }
    render();
  }
  function undo() {
    const id = undoStack.pop();
    if (!id) { message = "Nothing to undo."; render(); return; }
    if (Workbench.live) {
      const name = reviewer();
      if (!name) { undoStack.push(id); return; }
      truth.send(id, null);  // shown undecided at once; the answer says what the file holds again
      Workbench.call("/api/undo", { reviewer: name }).then((answer) => {
        Object.entries(answer.held || {}).forEach(([k, row]) => truth.answered(k, row));
        message = "Undone: the suspect is as before your verdict.";
        render();
      }).catch((error) => { truth.refused(id); message = "Not undone: " + error.message; render(); });
    } else { delete local[id]; save(); message = "Undone."; }
    const back = queue().findIndex((item) => item.question_id === id);
    at = back >= 0 ? back : at;
    render();
  }
  function csvCell(value) {
    const cell = /^[=+\-@\t\r]/.test(String(value == null ? "" : value)) ? "'" + value : String(value == null ? "" : value);
    return /[",\n\r]/.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
  }
  function exportCsv() {
    if (Workbench.live) { message = "Live: every verdict is already in raw/tag_decisions.csv."; render(); return; }
    const rows = new Map(DATA.decisions.map((d) => [d.question_id, Object.assign({ note: "" }, d)]));
    Object.entries(local).forEach(([id, v]) => rows.set(id, { question_id: id, label: v.label, verdict: v.verdict, reviewer: v.reviewer, date: v.date, note: "" }));
    const lines = [DATA.columns.join(",")].concat(Array.from(rows.values()).map((r) => DATA.columns.map((c) => csvCell(r[c])).join(",")));
    const link = el("a", { href: URL.createObjectURL(new Blob([lines.join("\n") + "\n"], { type: "text/csv" })), download: "tag_decisions.csv" });
    document.body.append(link); link.click(); link.remove();
    message = "Exported " + plural(rows.size, "verdict") + ": save the file over raw/tag_decisions.csv and run make all.";
    render();
  }
  function onKey(event) {
    if (Workbench.keysOff(event)) return;
    const digit = /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : -1;
    const item = queue()[at];
    const actions = { k: () => decide("keep"), j: () => { at += 1; render(); }, ArrowRight: () => { at += 1; render(); },
      ArrowLeft: () => { at = Math.max(0, at - 1); render(); }, z: undo, e: exportCsv, c: carry, "?": () => $("help").showModal() };
    if (digit >= 0 && digit < DATA.tags.length && item) { event.preventDefault(); decide(DATA.tags[digit] === item.tag ? "keep" : "retag:" + DATA.tags[digit]); return; }
    if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
  }
  const dropped = Workbench.live ? 0 : reconcile();
  $("mode").textContent = Workbench.live ? "Live: verdicts go straight into raw/tag_decisions.csv; the page follows each rebuild."
    : "Static page: verdicts stay in this browser until you export them (e)." + (dropped ? " " + plural(dropped, "verdict") + " made here dropped: the file holds them, or changed them since." : "");
  $("export").hidden = Workbench.live;
  $("reviewer").value = localStorage.getItem(REVIEWER) || "";
  $("reviewer").addEventListener("input", () => localStorage.setItem(REVIEWER, $("reviewer").value.trim()));
  ["reviewer", "note"].forEach((id) => $(id).addEventListener("keydown", (event) => { if (event.key === "Enter") $(id).blur(); }));
  $("export").addEventListener("click", exportCsv);
  $("close-help").addEventListener("click", () => $("help").close());
  document.addEventListener("keydown", onKey);
  function othersWrote(events) {
    const me = $("reviewer").value.trim();
    const theirs = events.filter((e) => e.file === "tag_decisions" && e.reviewer !== me);
    if (!theirs.length) return;
    others = theirs.reverse().concat(others).slice(0, 20);
    const item = queue()[at];
    const inView = item && theirs.find((e) => e.key === item.question_id);
    if (inView && !confirmFor) message = Workbench.told(inView) + " (this suspect).";  // a conflict to confirm stays said
    render();
  }
  // Another editor has the suspect on screen open first: on to one no one else has open.
  function othersOpen(keys) {
    taken = keys;
    const open = queue(), item = open[at];
    if (!item || !taken.has(item.question_id)) return;
    const free = open.findIndex((x, i) => i > at && !taken.has(x.question_id));
    const other = free >= 0 ? free : open.findIndex((x) => !taken.has(x.question_id));
    if (other < 0) return;
    at = other;
    message = "Another editor has that suspect open: on to one no one else has.";
    render();
  }
  if (Workbench.live) Workbench.watch((state) => { $("mode").textContent = "Live: verdicts go straight into raw/tag_decisions.csv · " + Workbench.describe(state); },
    (data) => { DATA = data; render(); }, othersWrote, truth, () => (queue()[at] || {}).question_id || "", othersOpen);
  render();
})();
