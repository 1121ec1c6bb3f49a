// What both review apps (duplicates, tag audit) share: safe DOM building, the keyboard's guard, and the workbench
// client. Plain JavaScript, no library, no network but the local server that served the page (make review).
"use strict";
const Workbench = (function () {
  const node = document.getElementById("workbench");  // written into the page by the server; absent from file://
  const settings = node ? JSON.parse(node.textContent) : null;
  const INVISIBLE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  // Control characters from the data are written out (\x1b, \u202e), never passed to the screen raw.
  function visible(text) {
    return String(text).replace(INVISIBLE, (c) => {
      const code = c.charCodeAt(0);
      return code < 0x100 ? "\\x" + code.toString(16).padStart(2, "0") : "\\u" + code.toString(16).padStart(4, "0");
    });
  }
  // Every value goes in with textContent (never innerHTML): text from the bank or a file can never become markup.
  function el(tag, props, children) {
    const made = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") made.textContent = visible(v);
      else if (k === "class") made.className = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "type" || k === "title") made.setAttribute(k, v);
      else made[k] = v;
    });
    (children || []).forEach((c) => c != null && made.append(typeof c === "string" ? visible(c) : c));
    return made;
  }
  // Keys act only on the page: never while a dialog is open or a field has focus (Esc leaves either).
  function keysOff(event) {
    const dialog = document.querySelector("dialog[open]");
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
    if (event.key === "Escape") {
      if (dialog) dialog.close();
      if (typing) document.activeElement.blur();
      return true;
    }
    return Boolean(dialog || typing || event.ctrlKey || event.metaKey || event.altKey);
  }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : (many || one + "s")); }
  // A word-level difference: the words of `before` not in `after` struck, those new in `after` marked.
  function wordDiff(before, after) {
    const a = String(before).split(/(\s+)/), b = String(after).split(/(\s+)/);
    const n = a.length, m = b.length, lcs = Array.from({ length: n + 1 }, () => new Array(m + 1).fill(0));
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const out = el("span", { class: "diff" });
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[i] === b[j]) { out.append(visible(a[i])); i++; j++; }
      else if (j < m && (i >= n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.append(el("ins", { text: b[j] })); j++; }
      else { out.append(el("del", { text: a[i] })); i++; }
    }
    return out;
  }
  // This browser's editor session: a random id made once and kept in localStorage (another profile, another
  // session), sent with every call and recorded in the verdict history (as a mark): undo follows it, not a typed name.
  const session = (function () {
    const KEY = "question-bank-workbench-session";
    let id = null;
    try { id = localStorage.getItem(KEY); } catch (e) { id = null; }
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id || "")) {
      const bytes = new Uint8Array(18);
      crypto.getRandomValues(bytes);
      id = Array.from(bytes, (b) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[b % 64]).join("");
      try { localStorage.setItem(KEY, id); } catch (e) { /* a session for this tab only */ }
    }
    return id;
  })();
  // A refused call throws an Error carrying the server's status and, for a verdict over another editor's, theirs.
  function call(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Workbench-Token": settings.token },
      body: JSON.stringify(Object.assign({ session: session }, body || {})) }).then((r) => r.json().then((answer) => {
      if (!r.ok) throw Object.assign(new Error(answer.error || r.statusText), { status: r.status, conflict: answer.conflict || null });
      return answer;
    }));
  }
  // What another editor just did, in words: "bo decided distinct on 1.1.4 ~ 3.1.1 at 12:03:04".
  function told(event) {
    const what = event.action === "undo" ? "undid a verdict on" : event.action === "clear" ? "cleared the verdict on" : "decided " + event.verdict + " on";
    return event.reviewer + " " + what + " " + (event.labels || event.key) + " at " + String(event.written_at).slice(11);
  }
  // Polls the build's state; when a new build is published, reads this page again and hands its data over. Each
  // verdict any editor writes comes once to `onEvents` (numbered by the server: nothing is missed between polls).
  // `truth` (a Workbench.truth) is told on every poll what the file holds now for the keys it watches; `showing()`
  // names the pair or suspect on screen, and `onTaken` gets those other editors have open (theirs to decide).
  function watch(onState, onData, onEvents, truth, showing, onTaken) {
    let generation = settings.generation, asking = false, seen = null;
    setInterval(() => {
      if (asking) return;
      asking = true;
      const open = (showing && showing()) || "";
      fetch("/api/state?since=" + (seen === null ? 0 : seen) + "&session=" + session + "&open=" + encodeURIComponent(open),
        { headers: { "X-Workbench-Token": settings.token } }).then((r) => r.json()).then((state) => {
        const events = state.events || [];
        if (events.length) {
          if (truth) events.forEach((e) => { if (e.file === truth.file) truth.watch(e.key); });
          if (seen !== null && onEvents) onEvents(events);  // the first answer is the past: only what comes after is news
          seen = events[events.length - 1].seq;
        } else if (seen === null) seen = 0;
        if (onTaken) onTaken(new Set(state.taken || []));
        onState(state);
        const asked = Date.now(), keys = truth ? truth.keys() : [];
        const told = keys.length ? call("/api/held", { file: truth.file, keys: keys }).then((answer) => truth.heard(answer.held, asked)) : Promise.resolve();
        return told.then(() => state);
      }).then((state) => {
        if (state.generation && state.generation !== generation && !state.building) {
          generation = state.generation;
          return fetch(location.pathname + "?token=" + encodeURIComponent(settings.token)).then((r) => r.text()).then((html) => {
            const page = new DOMParser().parseFromString(html, "text/html");
            onData(JSON.parse(page.getElementById("data").textContent), state);
          });
        }
      }).catch((error) => onState({ error: "the workbench does not answer (" + error.message + "): is make review running?" }))
        .finally(() => { asking = false; });
    }, 300);
  }
  function describe(state) {
    if (state.error) return "build: " + state.error;
    if (state.building) return "build: rebuilding (" + (state.changing || []).join(", ") + " changed)…";
    return "build: up to date" + (state.last_build_s != null ? " (last rebuild " + state.last_build_s.toFixed(2) + " s)" : "");
  }
  // What a live page shows of the file, beside the published build's data (which lags a rebuild behind): a verdict
  // this page sent and the server has not answered yet, else what the server last said the file holds for the key
  // (each answer says it, and every poll asks again for every key this page sent or heard of): so the page never
  // shows a verdict the file does not hold for longer than one poll. `of(key)` is undefined where the build's data
  // is all there is to show.
  function truth(file, onChange) {
    const sending = {}, held = {}, watched = new Set(), answeredAt = {};
    return {
      file: file,
      send(key, entry) { sending[key] = entry; watched.add(key); },
      answered(key, row) { delete sending[key]; held[key] = row || null; answeredAt[key] = Date.now(); },
      refused(key) { delete sending[key]; },
      watch(key) { watched.add(key); },
      keys() { return Array.from(watched).slice(-4000); },
      heard(rows, asked) {  // an answer asked before a write was answered may be older than it: the write's answer wins
        let changed = false;
        Object.entries(rows || {}).forEach(([key, row]) => {
          if (key in sending || answeredAt[key] > asked || JSON.stringify(held[key]) === JSON.stringify(row)) return;
          held[key] = row;
          changed = true;
        });
        if (changed && onChange) onChange();
      },
      of(key) {
        if (key in sending) return sending[key] && Object.assign({ sent: true }, sending[key]);
        if (key in held) return held[key] && Object.assign({ held: true }, held[key]);
        return undefined;
      },
    };
  }
  return { live: Boolean(settings), settings, session, visible, el, keysOff, plural, wordDiff, call, watch, describe, told, truth };
})();
