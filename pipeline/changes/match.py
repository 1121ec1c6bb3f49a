"""Which question of one version of the bank is which of another: what an edit did to the bank. Pure.

Ids come from text and labels shift when a question is inserted above, so neither says which question is which.
A question is the same across versions when
1. its text is the same (after NFKC, case and white space folding), the same section preferred when it stands twice;
2. or, failing that, its text is at least `EDIT_SIMILARITY` alike (rapidfuzz's ratio), the same section preferred;
3. or, failing that, it stands between the same two matched questions of its section on both sides (a full rewrite
   in place): alone there on both sides, or the one whose words the other shares most (`GAP_SIMILARITY`).
Only then is it *edited* (text; the outputs say *reworded*), *retagged* (tag) or *moved* (section); a question whose
label changed only because others were inserted or removed is *unchanged*, and listed as *relabelled* too. Everything
else is *added* or *removed*.
"""

from pipeline.keys import collapse_whitespace, text_fingerprint

# Distinct questions of the real appendix are at most 0.78 alike (0.67 within one section; p95 0.57), measured with
# the same ratio over every pair; a one-word edit of a question keeps 0.89–0.91 (tests/data/changes).
EDIT_SIMILARITY = 0.80
# Within one gap between matched questions, a rewrite keeps its subject's words: token-set similarity 0.73 for a full
# rewrite of the fixture's QLoRA question against 0.51 for its neighbour; distinct questions of one section reach 0.67.
GAP_SIMILARITY = 0.70


def match_questions(base: list[dict], current: list[dict]) -> list[tuple[int, int]]:
    """Return (base index, current index) of every question both versions hold, by the three rules above."""
    pairs: list[tuple[int, int]] = []
    free_base, free_current = set(range(len(base))), set(range(len(current)))

    def take(i: int, j: int) -> None:
        pairs.append((i, j))
        free_base.discard(i)
        free_current.discard(j)

    by_key: dict[str, list[int]] = {}
    for j, question in enumerate(current):
        by_key.setdefault(text_fingerprint(question["text"]), []).append(j)
    for same_section in (True, False):  # a repeat pasted elsewhere leaves the original with its own section
        for i in sorted(free_base):
            for j in by_key.get(text_fingerprint(base[i]["text"]), []):
                if j in free_current and (not same_section or current[j]["section_id"] == base[i]["section_id"]):
                    take(i, j)
                    break
    for _score, _, i, j in sorted(_alike(base, current, free_base, free_current), reverse=True):
        if i in free_base and j in free_current:
            take(i, j)
    gaps: dict[tuple, tuple[list[int], list[int]]] = {}
    for i in free_base:
        gaps.setdefault(_gap(base, i, {b for b, _ in pairs}, {b: n for n, (b, _) in enumerate(pairs)}), ([], []))[0].append(i)
    for j in free_current:
        gaps.setdefault(_gap(current, j, {c for _, c in pairs}, {c: n for n, (_, c) in enumerate(pairs)}), ([], []))[1].append(j)
    for left, right in gaps.values():
        if len(left) == len(right) == 1:
            take(left[0], right[0])
        elif left and right:
            for _score, i, j in sorted(_gap_alike(base, current, left, right), reverse=True):
                if i in free_base and j in free_current:
                    take(i, j)
    return sorted(pairs)


def _alike(base: list[dict], current: list[dict], free_base: set, free_current: set) -> list[tuple]:
    """Return (score, same section, base index, current index) of the unmatched pairs at least EDIT_SIMILARITY alike."""
    from rapidfuzz import fuzz

    found = []
    for i in free_base:
        a = collapse_whitespace(base[i]["text"]).casefold()
        for j in free_current:
            score = fuzz.ratio(a, collapse_whitespace(current[j]["text"]).casefold()) / 100
            if score >= EDIT_SIMILARITY:
                same = base[i]["section_id"] == current[j]["section_id"]
                found.append((score + (1.0 if same else 0.0), same, i, j))
    return found


def _gap(rows: list[dict], index: int, matched: set, pair_of: dict) -> tuple:
    """Return where an unmatched question stands: its section, and the matched questions before and after it there."""
    section = rows[index]["section_id"]
    before = [k for k in range(index - 1, -1, -1) if rows[k]["section_id"] == section and k in matched]
    after = [k for k in range(index + 1, len(rows)) if rows[k]["section_id"] == section and k in matched]
    return section, pair_of[before[0]] if before else None, pair_of[after[0]] if after else None


def _gap_alike(base: list[dict], current: list[dict], left: list[int], right: list[int]) -> list[tuple]:
    """Return (score, base index, current index) of a gap's pairs whose words overlap at least GAP_SIMILARITY."""
    from rapidfuzz import fuzz

    scored = [
        (fuzz.token_set_ratio(base[i]["text"].casefold(), current[j]["text"].casefold()) / 100, i, j) for i in left for j in right
    ]
    return [row for row in scored if row[0] >= GAP_SIMILARITY]


def question_changes(base: list[dict], current: list[dict]) -> dict:
    """Return what happened to the questions between two versions: added, removed, edited, retagged, moved, unchanged,
    and the unchanged ones whose label shifted because a question was inserted or removed before them (`relabelled`).

    Rows are question rows (label, text, tag, section_id, source_line). A question both reworded and re-tagged is in
    `edited` and in `retagged`.
    """
    pairs = match_questions(base, current)
    matched_base, matched_current = {i for i, _ in pairs}, {j for _, j in pairs}
    out = {
        "added": [
            {k: current[j][k] for k in ("label", "text", "tag", "source_line")}
            for j in range(len(current))
            if j not in matched_current
        ],
        "removed": [
            {
                "base_label": base[i]["label"],
                "text": base[i]["text"],
                "tag": base[i]["tag"],
                "base_source_line": base[i]["source_line"],
            }
            for i in range(len(base))
            if i not in matched_base
        ],
        "edited": [],
        "retagged": [],
        "moved": [],
        "unchanged": 0,
        "relabelled": [],
    }
    for i, j in sorted(pairs, key=lambda pair: pair[1]):
        old, new = base[i], current[j]
        changed = False
        if text_fingerprint(old["text"]) != text_fingerprint(new["text"]):
            out["edited"].append(
                {"label": new["label"], "base_label": old["label"], "text": new["text"], "base_text": old["text"]}
            )
            changed = True
        if old["tag"] != new["tag"]:
            out["retagged"].append({"label": new["label"], "base_label": old["label"], "tag": new["tag"], "base_tag": old["tag"]})
            changed = True
        if old["section_id"] != new["section_id"]:
            out["moved"].append(
                {
                    "label": new["label"],
                    "base_label": old["label"],
                    "section_id": new["section_id"],
                    "base_section_id": old["section_id"],
                    "text": new["text"],
                }
            )
            changed = True
        out["unchanged"] += not changed
        if not changed and old["label"] != new["label"]:
            out["relabelled"].append({"label": new["label"], "base_label": old["label"]})
    return out
