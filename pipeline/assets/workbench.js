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
  // A refused call throws an Error carrying the server's status and, for a verdict over another editor's, theirs.
  function call(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json", "X-Workbench-Token": settings.token },
      body: JSON.stringify(body || {}) }).then((r) => r.json().then((answer) => {
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
  function watch(onState, onData, onEvents) {
    let generation = settings.generation, asking = false, seen = null;
    setInterval(() => {
      if (asking) return;
      asking = true;
      fetch("/api/state?since=" + (seen === null ? 0 : seen), { headers: { "X-Workbench-Token": settings.token } }).then((r) => r.json()).then((state) => {
        const events = state.events || [];
        if (events.length) {
          if (seen !== null && onEvents) onEvents(events);  // the first answer is the past: only what comes after is news
          seen = events[events.length - 1].seq;
        } else if (seen === null) seen = 0;
        onState(state);
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
  // After a rebuild, the verdicts this page sent that the published build does not show yet (a build that started
  // before them): kept, so the page never goes back to a state older than what the server acknowledged. An entry
  // the build shows, or older than 15 s (someone changed it since), is dropped. `file` maps key → the file's verdict.
  function pending(sent, file) {
    const now = Date.now(), out = {};
    Object.entries(sent).forEach(([key, mine]) => {
      const there = file[key];
      const shown = mine === null ? !there : Boolean(there) && there.verdict === mine.verdict && (there.reviewer || "") === (mine.reviewer || "");
      if (!shown && now - ((mine && mine.sentAt) || pending.cleared[key] || now) < 15000) out[key] = mine;
    });
    return out;
  }
  pending.cleared = {};
  return { live: Boolean(settings), settings, visible, el, keysOff, plural, wordDiff, call, watch, describe, told, pending };
})();
