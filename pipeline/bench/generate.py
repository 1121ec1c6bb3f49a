"""Generate synthetic appendices in the real layout, at any size, with a recorded set of injected near-duplicates.

Each synthetic question is a real question with its names (acronyms, CamelCase, capitalised terms) replaced
by invented ones, so the bank keeps the real templates ("What is X and how does it reduce memory?") while its
rare terms, as in the real bank, tell questions apart. A share of questions is then repeated elsewhere in
the bank in one of three perturbed forms, recorded as the ground truth for recall:

- `paraphrase`: another opener and synonyms for common words;
- `reorder`: the sentences, or the items of a list, in another order;
- `typo`: one or two letters dropped, doubled or swapped.

Pure: a seed, the real tables and a size in; tables and the injected pairs out (render them with
pipeline.ingest.render).
"""

import random
import re
import string

NAME = re.compile(r"\b(?:[A-Z][a-z]*[A-Z0-9][A-Za-z0-9]*|[A-Z]{2,}[a-z]*|[A-Z][a-z]+(?:-[A-Za-z0-9]+)+)\b")
OPENERS = [
    ("What is", "Explain"),
    ("How does", "In what way does"),
    ("Why do", "For what reason do"),
    ("Compare", "Contrast"),
    ("Explain", "Describe"),
    ("How would you", "How should you"),
    ("When would you", "In which cases would you"),
]
SYNONYMS = {
    "model": "network",
    "models": "networks",
    "training": "learning",
    "improve": "boost",
    "reduce": "cut",
    "memory": "RAM",
    "large": "big",
    "quality": "accuracy",
    "use": "employ",
    "why": "for what reason",
    "difference": "distinction",
    "performance": "throughput",
    "method": "technique",
    "data": "examples",
    "choose": "pick",
    "tradeoff": "trade-off",
}
KINDS = ("paraphrase", "reorder", "typo")


# 40 syllables, 2–4 to a name: about 2.6 million stems, so names stay rare even in a bank of a million questions
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"][:40]


def invented_name(rng: random.Random, like: str) -> str:
    """Return a made-up name shaped like `like` (an acronym stays an acronym, a CamelCase name stays CamelCase)."""
    if like.isupper():
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(max(2, len(like))))
    stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    return stem.capitalize() + (
        rng.choice(["", "Net", "Flow", "-" + str(rng.randint(2, 9)), "Former"]) if rng.random() < 0.5 else ""
    )


def rename(text: str, rng: random.Random) -> str:
    """Return `text` with each name replaced by an invented one (the same name, the same replacement)."""
    names: dict[str, str] = {}
    return NAME.sub(lambda m: names.setdefault(m.group(), invented_name(rng, m.group())), text)


CONTENT = re.compile(r"\b[a-z]{5,}\b")


def recombine(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """Return a new question on `text`'s template: names invented, two content words drawn from the bank's
    vocabulary, and at least one invented name, so no two synthetic questions are the same by accident."""
    text = rename(text, rng)
    words = CONTENT.findall(text)
    for word in rng.sample(words, min(2, len(words))):
        text = re.sub(rf"\b{word}\b", rng.choice(vocabulary), text, count=1)
    if not NAME.search(text) and words:
        text = re.sub(rf"\b{rng.choice(CONTENT.findall(text) or words)}\b", invented_name(rng, "Camel"), text, count=1)
    return text


def paraphrase(text: str, rng: random.Random) -> str:
    """Return `text` with another opener and some common words swapped for synonyms."""
    for old, new in OPENERS:
        if text.startswith(old):
            text = new + text[len(old) :]
            break
    words = text.split(" ")
    for i, word in enumerate(words):
        core = word.strip("?,.;:").lower()
        if core in SYNONYMS and rng.random() < 0.7:
            words[i] = word.lower().replace(core, SYNONYMS[core])
    return " ".join(words)


def reorder(text: str, rng: random.Random) -> str:
    """Return `text` with its sentences (or, for one sentence, its comma-separated items) in another order."""
    sentences = re.split(r"(?<=[?.])\s+", text)
    if len(sentences) > 1:
        return " ".join(sentences[1:] + sentences[:1])
    parts = text.rstrip("?").split(", ")
    if len(parts) > 1:
        rng.shuffle(parts)
        return ", ".join(parts) + "?"
    words = text.rstrip("?").split(" ")
    half = len(words) // 2
    return " ".join(words[half:] + words[:half]) + "?"


def typo(text: str, rng: random.Random) -> str:
    """Return `text` with one or two letters dropped, doubled or swapped inside longer words."""
    chars = list(text)
    for _ in range(rng.randint(1, 2)):
        positions = [i for i in range(1, len(chars) - 2) if chars[i].isalpha() and chars[i + 1].isalpha()]
        if not positions:
            break
        i = rng.choice(positions)
        action = rng.choice(("drop", "double", "swap"))
        if action == "drop":
            del chars[i]
        elif action == "double":
            chars.insert(i, chars[i])
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


PERTURB = {"paraphrase": paraphrase, "reorder": reorder, "typo": typo}


def lookalike(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    """Return a question on `text`'s frame about another subject: its names replaced by other invented ones
    (or, without a name, a content word by another), so it shares the sentence and changes what it asks about."""
    if NAME.search(text):
        return rename(text, rng)
    words = CONTENT.findall(text)
    return (
        re.sub(rf"\b{rng.choice(words)}\b", rng.choice(vocabulary), text, count=1)
        if words
        else text + " " + invented_name(rng, "Camel")
    )


def generate(
    real: dict[str, list[dict]], size: int, seed: int = 0, duplicate_share: float = 0.02, lookalike_share: float = 0.01
) -> tuple[dict, list[dict]]:
    """Return (tables, injected): a synthetic appendix of `size` questions and its injected pairs.

    The chapters, sections, tag mix and reference tables are the real ones; each section holds a share of the
    questions in proportion to its real size. `injected` rows name the two questions by label, with the kind:
    a near-duplicate (paraphrase, reorder, typo: a dedup tool should flag it) or a `lookalike` (the frame of
    another question about another subject: it should not), so that precision is measured on the hard case.
    """
    rng = random.Random(seed)
    vocabulary = sorted({w for q in real["questions"] for w in CONTENT.findall(q["text"])})
    seeds_by_section: dict[str, list[dict]] = {}
    for question in real["questions"]:
        seeds_by_section.setdefault(question["section_id"], []).append(question)
    total = len(real["questions"])
    sections = real["sections"]
    quotas = [max(1, round(size * len(seeds_by_section.get(s["section_id"], [])) / total)) for s in sections]
    quotas[-1] += size - sum(quotas)  # land on `size` exactly
    n_duplicates, n_lookalikes = int(size * duplicate_share), int(size * lookalike_share)
    slots = [(s, q) for s, quota in zip(sections, quotas) for q in range(quota)]
    duplicate_slots = set(rng.sample(range(len(slots)), n_duplicates + n_lookalikes))
    questions, originals, pending = [], [], []
    for index, (section, _) in enumerate(slots):
        if index in duplicate_slots:
            pending.append(index)
            questions.append(None)
            continue
        seed_question = rng.choice(seeds_by_section[section["section_id"]])
        questions.append(
            {
                "section_id": section["section_id"],
                "text": recombine(seed_question["text"], rng, vocabulary),
                "tag": seed_question["tag"],
            }
        )
        originals.append(index)
    injected = []
    for number, index in enumerate(pending):
        original = rng.choice(originals)
        kind = KINDS[len(injected) % len(KINDS)] if number < n_duplicates else "lookalike"
        source = questions[original]
        text = PERTURB[kind](source["text"], rng) if kind != "lookalike" else lookalike(source["text"], rng, vocabulary)
        if text == source["text"]:
            text = typo(text, rng)
        questions[index] = {"section_id": slots[index][0]["section_id"], "text": text, "tag": source["tag"]}
        injected.append({"original": original, "duplicate": index, "kind": kind})
    positions: dict[str, int] = {}
    for question in questions:
        positions[question["section_id"]] = positions.get(question["section_id"], 0) + 1
        question["position"] = positions[question["section_id"]]
        question["label"] = f"{question['section_id']}.{question['position']}"
    pairs = [
        {"label_a": questions[p["original"]]["label"], "label_b": questions[p["duplicate"]]["label"], "kind": p["kind"]}
        for p in injected
    ]
    tag_counts: dict[str, int] = {}
    for question in questions:
        tag_counts[question["tag"]] = tag_counts.get(question["tag"], 0) + 1
    tags = [{**t, "stated_count": tag_counts.get(t["tag"], 0) if t["stated_count"] is not None else None} for t in real["tags"]]
    tables = {
        **{name: real[name] for name in ("chapters", "sections", "refs", "attributions")},
        "questions": questions,
        "tags": tags,
        "stated_totals": [{"figure": "questions", "value": len(questions), "is_approximate": False}],
    }
    return tables, pairs


CHAPTER_CLAIM = re.compile(r"\bCh(?:apters?|s?)\.? ?(\d+)")


def widen(real: dict[str, list[dict]], chapters: int) -> dict[str, list[dict]]:
    """Return real-shaped tables with `chapters` chapters: the real ones repeated in turn (titles numbered), each copy
    with its own sections, questions and reference rows whose `Relevant Chapters` name the copy. Feed it to
    `generate` to measure how a stage grows with chapters and sections rather than with questions."""
    copies = -(-chapters // len(real["chapters"]))
    out = {"chapters": [], "sections": [], "questions": [], "refs": []}
    for copy in range(copies):
        offset = copy * len(real["chapters"])
        kept = [c for c in real["chapters"] if c["chapter_id"] + offset <= chapters]
        ids = {c["chapter_id"] for c in kept}
        suffix = f" {copy + 1}" if copy else ""
        out["chapters"] += [{**c, "chapter_id": c["chapter_id"] + offset, "title": c["title"] + suffix} for c in kept]
        moved = lambda sid, offset=offset: f"{int(sid.split('.')[0]) + offset}.{sid.split('.', 1)[1]}"  # noqa: E731
        out["sections"] += [
            {
                **s,
                "section_id": moved(s["section_id"]),
                "chapter_id": s["chapter_id"] + offset,
                "parent_chapter_id": s["parent_chapter_id"] + offset,
            }
            for s in real["sections"]
            if s["chapter_id"] in ids
        ]
        out["questions"] += [
            {**q, "section_id": moved(q["section_id"]), "chapter_id": q["chapter_id"] + offset}
            for q in real["questions"]
            if q["chapter_id"] in ids
        ]
        for ref in real["refs"]:
            claims = ref.get("relevant_chapters")
            renumbered = (
                CHAPTER_CLAIM.sub(lambda m, offset=offset: m.group(0)[: -len(m.group(1))] + str(int(m.group(1)) + offset), claims)
                if claims
                else claims
            )
            if all(int(n) <= chapters for n in CHAPTER_CLAIM.findall(renumbered or "")):
                out["refs"].append({**ref, "title": ref["title"] + suffix, "relevant_chapters": renumbered})
    return {**real, **out}
