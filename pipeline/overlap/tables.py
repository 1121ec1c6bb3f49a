"""The overlap table: each external question's best appendix match, and whether the appendix covers it. Pure."""

from pipeline.similarity.score import DEFAULT, Settings, best_matches


def coverage_rows(
    questions: list[dict], external: list[dict], settings: Settings = DEFAULT, embeddings=None, lexical=None
) -> list[dict]:
    """Return, for each external question, its best appendix match, score and whether it counts as covered.

    `embeddings`, if given, is (the questions' rows, the external questions' rows); `lexical`, the appendix's space
    built once for every bank."""
    matches = best_matches([q["text"] for q in questions], [x["text"] for x in external], settings, embeddings, lexical)
    rows = []
    for item, match in zip(external, matches):
        best = questions[match["corpus_index"]] if match["corpus_index"] is not None else None
        rows.append(
            {
                "bank_id": item["bank_id"],
                "external_question_id": item["external_question_id"],
                "question_id": best["question_id"] if best else None,
                "label": best["label"] if best else None,
                "section_id": best["section_id"] if best else None,
                "score": match["score"],
                "lexical_score": match.get("lexical_score", 0.0),
                "semantic_score": match.get("semantic_score"),
                "is_covered": match["score"] >= settings.threshold_for(embeddings is not None),
            }
        )
    return rows
