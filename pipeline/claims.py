"""What the appendix says about itself, set against the data. Pure: rows in, rows out.

Shared by the quality checks and the coverage reports.
"""

import re
import unicodedata

BOOK_ITSELF = "Book Chapters"  # the attribution line that names the handbook itself, not a cited work


def normalise(text: str) -> str:
    """Return `text` folded for matching: NFKC, lower case, hyphens as spaces, dashes as a `;` break, single-spaced."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[–—]", " ; ", re.sub(r"[-‐‑_]", " ", text)).split())


def mentions(haystack: str, term: str) -> bool:
    """Return whether `term` stands in `haystack` as whole words (after `normalise`)."""
    # a following version number makes another work: GPT is not GPT-2, LLaMA is not Llama 2
    return re.search(r"(?<![\w.])" + re.escape(normalise(term)) + r"(?!\w| \d)", normalise(haystack)) is not None


def work_terms(work: str | None) -> list[str]:
    """Return the works an attribution names: `DeepSeek V2/V3/R1` → DeepSeek V2, DeepSeek V3, DeepSeek R1."""
    if not work:
        return []
    terms = [term.strip() for term in work.split("/") if term.strip()]
    head = terms[0].rsplit(" ", 1)[0] if " " in terms[0] else ""
    return [terms[0]] + [f"{head} {t}" if head and " " not in t else t for t in terms[1:]]


def first_surname(authors: str) -> str:
    """Return the first author's surname: `Gu & Dao` → Gu, `Sennrich, Haddow, Birch` → Sennrich."""
    first = re.split(r"(?<!\s)\s++(?:et al\.?|&|and)(?:\s|$)|,", authors.strip())[
        0
    ]  # a run starts once: linear; the first piece is as before
    return first.split()[-1] if first.split() else authors


def _year_text(value) -> str | None:
    """Return a year as digits (`2022.0` from a nullable column reads as `2022`)."""
    return None if value is None or value != value else str(int(value))


def _by_author_year(ref: dict, source: str, years: list[str]) -> bool:
    same_author = bool(ref.get("authors")) and normalise(first_surname(ref["authors"])) == normalise(first_surname(source))
    return same_author and _year_text(ref.get("year")) in years


def _by_name(ref: dict, names: list[str]) -> bool:
    return any(mentions(ref["title"], name) or (ref.get("authors") and mentions(ref["authors"], name)) for name in names)


def _named_works(attribution: dict) -> list[tuple[str, list[str], list[str]]]:
    """Return (work, names to look for, years to pair with the first author) for each work an item names."""
    source, terms = attribution["source"], work_terms(attribution.get("work"))
    years = attribution["year"].split("/") if attribution.get("year") else []
    is_paper = bool(years and terms and not attribution.get("link"))
    if not is_paper:
        return [(attribution.get("work") or source, [source.split(" by ")[0]], [])]  # guides, forums: named by their source
    if len(terms) > 1 and len(terms) == len(years):
        return [(term, [term], [year]) for term, year in zip(terms, years)]
    if len(terms) > 1 and len(years) == 1:
        return [(" / ".join(terms), terms, years)]  # one paper by several names
    if len(terms) > 1:
        return [(term, [term], []) for term in terms]  # names and years do not pair up: by name only
    if len(years) > 1:
        return [(f"{terms[0]} ({year})", [], [year]) for year in years]
    return [(terms[0], terms, years)]


def attribution_claims(attributions: list[dict], refs: list[dict]) -> list[dict]:
    """Return one row per work an attribution names, with the reference rows that stand for it (may be none).

    `Radford et al. 2018/2019 (GPT/GPT-2)` names two works paired with two years; `Ouyang et al. 2022
    (InstructGPT/RLHF)` one work by two names; `Dao et al. 2022/2023 (FlashAttention 1 & 2)` one name for
    two years' papers; a guide or forum is matched by its source (`Chip Huyen`, `OpenAI Cookbook`).
    A question bank is matched to the reference row that names its publisher and topic.
    """
    rows = []
    for attribution in attributions:
        if attribution["category"].startswith(BOOK_ITSELF):
            continue
        for work, names, years in _named_works(attribution):
            if attribution.get("question_count") is not None:
                matched = [r["ref_id"] for r in refs if r.get("question_count") is not None and _is_same_bank(r, attribution)]
            else:
                matched = [r["ref_id"] for r in refs if _by_name(r, names)] or [
                    r["ref_id"] for r in refs if _by_author_year(r, attribution["source"], years)
                ]
            rows.append(
                {
                    "attribution_id": attribution["attribution_id"],
                    "category": attribution["category"],
                    "source": attribution["source"],
                    "work": work,
                    "matched_ref_ids": matched,
                    "matched_refs": len(matched),
                    "source_line": attribution["source_line"],
                }
            )
    return rows


def _is_same_bank(ref: dict, attribution: dict) -> bool:
    publisher = attribution["source"].split(" by ")[0]
    topic = re.sub(r"(?<!\s)\s*+Interview Questions$", "", attribution["work"] or "")  # a run starts once: linear
    return mentions(ref["title"], publisher) and mentions(ref["title"], topic)


def bank_count_claims(attributions: list[dict], refs: list[dict]) -> list[dict]:
    """Return one row per question bank whose size is stated in `Sources & Attribution`, with the size the reference table states."""
    rows = []
    refs_by_id = {ref["ref_id"]: ref for ref in refs}
    for claim in attribution_claims([a for a in attributions if a.get("question_count") is not None], refs):
        attribution = next(a for a in attributions if a["attribution_id"] == claim["attribution_id"])
        for ref_id in claim["matched_ref_ids"] or [None]:
            ref = refs_by_id.get(ref_id)
            rows.append(
                {
                    "bank": f"{attribution['source']} — {attribution['work']}",
                    "attribution_count": attribution["question_count"],
                    "reference_count": ref["question_count"] if ref else None,
                    "source_line": attribution["source_line"],
                    "reference_line": ref["source_line"] if ref else None,
                }
            )
    return rows
