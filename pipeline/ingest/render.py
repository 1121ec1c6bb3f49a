"""Render tables back into appendix text, in the PDF layout or the cleaned-up one. Pure.

Used by the property test (render → parse must round-trip in both layouts) and by the
synthetic-appendix generator of the benchmarks.
"""

LAYOUTS = ("pdf", "clean")


def render_appendix(tables: dict[str, list[dict]], layout: str = "pdf") -> str:
    """Return appendix text holding `tables`' chapters, sections, questions, tags, totals and refs."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    lines = ["Appendix 2. AI Engineering Interview Questions", "Sources & Attribution"]
    lines += _render_attributions(tables.get("attributions", []))
    declared = sorted((t for t in tables.get("tags", []) if t["is_declared"]), key=lambda t: t["declared_position"])
    lines.append("Questions are tagged: " + " ".join(f"[{t['tag']}]" for t in declared))
    lines += _render_questions(tables, layout)
    for total in tables.get("stated_totals", []):
        if total["figure"] == "questions":
            lines.append(f"Total: {'~' if total['is_approximate'] else ''}{total['value']} questions")
    for tag in tables.get("tags", []):
        if tag["stated_count"] is not None:
            note = f" ({tag['note']})" if tag["note"] else ""
            lines.append(f"- {tag['tag'].capitalize()}: {'~' if tag['is_approximate'] else ''}{tag['stated_count']}{note}")
    lines += _render_refs(tables.get("refs", []))
    return "\n".join(lines) + "\n"


def _render_attributions(rows: list[dict]) -> list[str]:
    """One `Category: item, item.` line per source line; banks of one source share an item."""
    lines, by_line = [], {}
    for row in rows:
        by_line.setdefault(row["source_line"], []).append(row)
    for group in by_line.values():
        items: list[str] = []
        banks = [row for row in group if row.get("question_count") is not None]
        for source in dict.fromkeys(row["source"] for row in banks):
            of_source = [row for row in banks if row["source"] == source]
            counted = ", ".join(f"{row['question_count']} {row['work']}" for row in of_source)
            link = f" — {of_source[0]['link']}" if of_source[0].get("link") else ""
            items.append(f"{source} ({counted}{link})")
        for row in group:
            if row.get("question_count") is None:
                items.append(
                    f"{row['source']} {row['year']} ({row['work']})" if row.get("year") and row.get("work") else row["source"]
                )
        lines.append(f"{group[0]['category']}: " + ", ".join(items) + ".")
    return lines


def _render_questions(tables: dict, layout: str) -> list[str]:
    lines: list[str] = []
    pending_tag = None  # PDF layout: the previous question's tag, printed in front of the next line

    def flush_tag():
        nonlocal pending_tag
        if pending_tag is not None:
            lines.append(f"[{pending_tag}]")
            pending_tag = None

    sections_of, questions_of = {}, {}  # grouped once: a bank of 10,000 chapters renders in linear time
    for section in tables["sections"]:
        sections_of.setdefault(section["parent_chapter_id"], []).append(section)
    for question in tables["questions"]:
        questions_of.setdefault(question["section_id"], []).append(question)
    for chapter in tables["chapters"]:
        flush_tag()
        lines.append(f"Chapter {chapter['chapter_id']} — {chapter['title']}")
        for section in sections_of.get(chapter["chapter_id"], []):
            flush_tag()
            lines.append(f"{section['section_id']} {section['title']}")
            for question in questions_of.get(section["section_id"], []):
                tag = question["tag"]
                if layout == "clean":
                    lines.append(f"- {question['text']}" + (f" [{tag}]" if tag is not None else ""))
                    continue
                prefix = f"[{pending_tag}] " if pending_tag is not None else ""
                lines.append(f"{prefix}- {question['text']}")
                pending_tag = tag
    flush_tag()
    return lines


def _render_refs(refs: list[dict]) -> list[str]:
    if not refs:
        return []
    lines = ["References"]
    categories: dict[str, list[dict]] = {}
    for ref in refs:
        categories.setdefault(ref["category"], []).append(ref)
    for category, rows in categories.items():
        is_resource_table = any(ref["link"] or ref["notes"] for ref in rows)
        columns = ("title", "link", "notes") if is_resource_table else ("title", "authors", "year", "relevant_chapters")
        header = ("Resource", "Link", "Notes") if is_resource_table else ("Paper", "Authors", "Year", "Relevant Chapters")
        lines += [category, "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(str(ref[column] or "") for column in columns) + " |" for ref in rows]
    return lines
