"""Every output and every editors' file, declared once: each table (its grain and columns), each report file, and
the columns of each CSV file the editors keep under raw/.

The Parquet writer, the DuckDB loader, the check's empty frames, the publish list, the pages' navigation, the
decision readers, the tests and the docs all read this module, so a column or a file name exists in one place. Types are spelled as short strings so that
importing the schema costs nothing (no pyarrow, no pandas).
"""

from dataclasses import dataclass

from pipeline import paths


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of: string, int64, float64, bool
    nullable: bool
    doc: str


@dataclass(frozen=True)
class Table:
    name: str
    grain: str
    stage: str  # the stage that writes it: ingest or dedup
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def _col(name: str, type_: str, doc: str, nullable: bool = False) -> Column:
    return Column(name, type_, nullable, doc)


SOURCE_LINE = _col("source_line", "int64", "1-based line of the appendix this row was read from")

INGEST_TABLES: tuple[Table, ...] = (
    Table(
        "chapters",
        "one row per chapter heading",
        "ingest",
        (
            _col("chapter_id", "int64", "chapter number as printed (`Chapter 4 — …` → 4)"),
            _col("title", "string", "chapter title"),
            SOURCE_LINE,
        ),
    ),
    Table(
        "sections",
        "one row per numbered section heading",
        "ingest",
        (
            _col("section_id", "string", "section number as printed, e.g. `1.3`"),
            _col("chapter_id", "int64", "chapter the section number names (the part before the dot)"),
            _col("parent_chapter_id", "int64", "chapter heading the section is printed under"),
            _col("section_number", "int64", "the part after the dot"),
            _col("title", "string", "section title"),
            _col("position", "int64", "1-based order of the section within its parent chapter"),
            SOURCE_LINE,
        ),
    ),
    Table(
        "questions",
        "one row per question",
        "ingest",
        (
            _col(
                "question_id",
                "string",
                "stable key: hash of the normalised text, plus `-2`, `-3` … for a repeat of the same text",
            ),
            _col("label", "string", "human position `<section>.<position>`, e.g. `1.3.14`"),
            _col("chapter_id", "int64", "chapter heading the question is printed under"),
            _col("section_id", "string", "section heading the question is printed under"),
            _col("position", "int64", "1-based order within its section"),
            _col("text", "string", "question text, whitespace collapsed, tag removed"),
            _col("tag", "string", "tag exactly as written, without brackets; null if none", nullable=True),
            _col("tag_line", "int64", "line the tag was read from; null if none", nullable=True),
            SOURCE_LINE,
        ),
    ),
    Table(
        "tags",
        "one row per tag the appendix declares or states a count for",
        "ingest",
        (
            _col("tag", "string", "tag name, lower case, without brackets"),
            _col("is_declared", "bool", "listed in `Questions are tagged: […]`"),
            _col("declared_position", "int64", "1-based order in the declaration", nullable=True),
            _col("stated_count", "int64", "count stated after `Total:`", nullable=True),
            _col("is_approximate", "bool", "the stated count carries `~`", nullable=True),
            _col("note", "string", "text in parentheses after the count", nullable=True),
            _col("declared_line", "int64", "line of the declaration", nullable=True),
            _col("stated_line", "int64", "line of the stated count", nullable=True),
        ),
    ),
    Table(
        "stated_totals",
        "one row per figure the appendix states about itself, other than per-tag counts",
        "ingest",
        (
            _col("figure", "string", "what is counted: `questions` or `chapters`"),
            _col("value", "int64", "the stated number"),
            _col("is_approximate", "bool", "the figure carries `~`"),
            _col("text", "string", "the line as written"),
            SOURCE_LINE,
        ),
    ),
    Table(
        "refs",
        "one row per row of every reference table",
        "ingest",
        (
            _col("ref_id", "string", "stable key: `r` + hash of category and title"),
            _col("category", "string", "heading of the reference table"),
            _col("title", "string", "`Paper`/`Resource` cell"),
            _col("authors", "string", "`Authors` cell", nullable=True),
            _col("year", "int64", "`Year` cell, or a year in the title's last parentheses", nullable=True),
            _col("link", "string", "`Link` cell", nullable=True),
            _col("notes", "string", "`Notes` cell", nullable=True),
            _col("question_count", "int64", "`(N Qs)` stated in the title of a question bank", nullable=True),
            _col("relevant_chapters", "string", "`Relevant Chapters` cell as written", nullable=True),
            SOURCE_LINE,
        ),
    ),
    Table(
        "ref_chapters",
        "one row per (reference, chapter) claim in `Relevant Chapters`",
        "ingest",
        (
            _col("ref_id", "string", "the reference"),
            _col("chapter_id", "int64", "`Ch N` → N"),
            _col("topic", "string", "text in parentheses after `Ch N`, as written", nullable=True),
            SOURCE_LINE,
        ),
    ),
    Table(
        "attributions",
        "one row per work or question bank named in `Sources & Attribution`",
        "ingest",
        (
            _col("attribution_id", "string", "`a<line>.<n>`: line and 1-based order on it"),
            _col("category", "string", "text before the colon, e.g. `Academic & Research Papers`"),
            _col("source", "string", "who: authors, publisher or site, as written"),
            _col("year", "string", "year as written, may be `2018/2019`", nullable=True),
            _col("work", "string", "what: title or short name, as written", nullable=True),
            _col("question_count", "int64", "number of questions stated for a question bank", nullable=True),
            _col("link", "string", "address given after `—`, if any", nullable=True),
            SOURCE_LINE,
        ),
    ),
    Table(
        "parse_issues",
        "one row per line the parser could not place",
        "ingest",
        (
            SOURCE_LINE,
            _col("text", "string", "the line as read"),
            _col("reason", "string", "why it was not placed"),
        ),
    ),
)

DEDUP_TABLES: tuple[Table, ...] = (
    Table(
        "duplicate_pairs",
        "one row per scored candidate pair of questions (and every pair an editor decided)",
        "dedup",
        (
            _col("question_id_a", "string", "the pair's first question (the smaller id)"),
            _col("question_id_b", "string", "the pair's second question"),
            _col("label_a", "string", "label of question a"),
            _col("label_b", "string", "label of question b"),
            _col(
                "score",
                "float64",
                "combined score: embedding cosine and lexical score, raised by shared names, lowered by a subject swap "
                "or a shared section (docs/dedup.md)",
            ),
            _col("word_score", "float64", "cosine of word 1–2-gram TF-IDF"),
            _col("char_score", "float64", "cosine of character 3–5-gram TF-IDF"),
            _col("fuzz_score", "float64", "rapidfuzz token-set ratio / 100"),
            _col("rare_score", "float64", "IDF-weighted overlap of terms rare in the bank"),
            _col("lexical_score", "float64", "weighted sum of the four lexical components"),
            _col("semantic_score", "float64", "cosine of sentence embeddings; null when embeddings are off", nullable=True),
            _col(
                "subject_agreement",
                "float64",
                "IDF-weighted overlap of the names (techniques, models, metrics) the two questions hold",
            ),
            _col(
                "subject_conflict",
                "float64",
                "how far each question names something the other does not (1: the subject is swapped)",
            ),
            _col("is_same_section", "bool", "both questions stand in one section"),
            _col("is_flagged", "bool", "a duplicate: confirmed by an editor, or score ≥ threshold and not judged otherwise"),
            _col(
                "verdict",
                "string",
                "the editors' verdict (as raw/duplicate_decisions.csv says it): duplicate, related or distinct",
                nullable=True,
            ),
            _col("status", "string", "needs review, confirmed duplicate, related, judged distinct or not flagged"),
            _col(
                "queue_rank",
                "int64",
                "place in the review queue (1 = look first): flagged undecided pairs, then the review band; "
                "null for decided pairs and pairs not worth a look",
                nullable=True,
            ),
        ),
    ),
    Table(
        "duplicate_clusters",
        "one row per question in a group joined by flagged or confirmed pairs",
        "dedup",
        (
            _col("cluster_id", "string", "`d` + position in the bank of the group's first question"),
            _col("question_id", "string", "a member of the group"),
            _col("cluster_size", "int64", "questions in the group"),
        ),
    ),
    Table(
        "duplicate_decisions",
        "one row per decided pair in raw/duplicate_decisions.csv",
        "dedup",
        (
            _col("question_id_a", "string", "the pair's first question (the smaller id)"),
            _col("question_id_b", "string", "the pair's second question"),
            _col("verdict", "string", "duplicate, related or distinct"),
            _col("reviewer", "string", "who decided"),
            _col("decided_on", "string", "date of the decision, YYYY-MM-DD"),
            _col("note", "string", "the reviewer's note", nullable=True),
            _col("is_stale", "bool", "a question of the pair no longer exists (its text was edited or removed)"),
            _col("source_line", "int64", "line of the decisions file"),
            _col("label_a", "string", "question a's label when the pair was decided (if the file records it)", nullable=True),
            _col("label_b", "string", "question b's label when the pair was decided", nullable=True),
            _col("text_a", "string", "question a's text when the pair was decided (if the file records it)", nullable=True),
            _col("text_b", "string", "question b's text when the pair was decided", nullable=True),
            _col(
                "cut",
                "string",
                "for a duplicate: the question id to cut or merge (null: the later one in the bank)",
                nullable=True,
            ),
        ),
    ),
)

LINK_TABLES: tuple[Table, ...] = (
    Table(
        "ref_aliases",
        "one row per term in raw/ref_aliases.csv by which a question names a reference",
        "warehouse",
        (
            _col("ref_id", "string", "the reference the term names; null if the title is in no reference table", nullable=True),
            _col("ref_title", "string", "the reference's title, as the alias file gives it"),
            _col("term", "string", "the term as written (case-sensitive if it has a capital)"),
            _col("is_stale", "bool", "the title is in no reference table: the alias links nothing"),
            _col("source_line", "int64", "line of raw/ref_aliases.csv"),
        ),
    ),
    Table(
        "generic_terms",
        "one row per term in raw/generic_terms.csv: a name that is no technique, model or benchmark",
        "warehouse",
        (
            _col("term", "string", "the term"),
            _col("why", "string", "the editors' reason", nullable=True),
            _col("source_line", "int64", "line of raw/generic_terms.csv"),
        ),
    ),
    Table(
        "verdict_history",
        "one row per verdict the workbench wrote into raw/, in order: who decided what and when, overwritten and undone ones too",
        "warehouse",
        (
            _col("written_at", "string", "when it was written (ISO 8601, the workbench's local time, to the second)"),
            _col("reviewer", "string", "who wrote it"),
            _col("action", "string", "decide, clear, carry (a stale verdict carried forward) or undo"),
            _col("file", "string", "the file written: duplicate_decisions or tag_decisions"),
            _col("key", "string", "the pair's two question ids (id|id), or the question id"),
            _col("labels", "string", "the question labels when it was written", nullable=True),
            _col("verdict", "string", "the verdict the file held after it (empty: none)", nullable=True),
            _col("previous_reviewer", "string", "who held the verdict it replaced (empty: nobody)", nullable=True),
            _col("previous_verdict", "string", "the verdict it replaced (empty: none)", nullable=True),
            _col("held_by", "string", "whose verdict the file holds after it (an undo names whose it restored)", nullable=True),
            _col("held_since", "string", "since when that verdict stands", nullable=True),
            _col("note", "string", "the note the verdict was written with", nullable=True),
            _col("cut", "string", "for a duplicate, which question to cut", nullable=True),
            _col(
                "session",
                "string",
                "a mark of the editor's browser session that wrote it (never the session itself)",
                nullable=True,
            ),
            _col("source_line", "int64", "line of raw/verdict_history.csv"),
        ),
    ),
    Table(
        "question_refs",
        "one row per (question, reference) the question names through an alias",
        "warehouse",
        (
            _col("question_id", "string", "the question"),
            _col("ref_id", "string", "the reference it names"),
            _col("matched_term", "string", "the alias that names it first in the text (a longer alias wins over one inside it)"),
        ),
    ),
    Table(
        "attribution_refs",
        "one row per (work named in Sources & Attribution, reference row standing for it); ref_id null if none",
        "warehouse",
        (
            _col("attribution_id", "string", "the attribution"),
            _col("work", "string", "the work, one of several an item may name (`GPT` of `GPT/GPT-2`)"),
            _col("ref_id", "string", "a reference row that stands for the work", nullable=True),
            _col("source_line", "int64", "line of the attribution"),
        ),
    ),
)

EXTERNAL_TABLES: tuple[Table, ...] = (
    Table(
        "external_banks",
        "one row per external question bank in raw/external_banks.csv",
        "external",
        (
            _col("bank_id", "string", "short key of the bank"),
            _col("name", "string", "the bank's name"),
            _col("file", "string", "its file under raw/"),
            _col("source", "string", "where it comes from"),
            _col("licence", "string", "its licence"),
            _col(
                "layout",
                "string",
                "the layout the registry names (numbered, headings, table, details, bold-paragraphs, bold-bullets, bullets, admonitions, paragraphs, "
                "auto, or layouts joined by +)",
            ),
            _col(
                "layout_used",
                "string",
                "the layout or layouts (`table+numbered`) the bank was read with (auto's choice); null if it could not be read",
                nullable=True,
            ),
            _col(
                "layout_reason", "string", "why: how many items each layout read and how many look like questions", nullable=True
            ),
            _col("questions", "int64", "questions read from the file"),
            _col(
                "question_like_share",
                "float64",
                "share of the items read that end with ? or open with an interrogative or imperative",
                nullable=True,
            ),
            _col(
                "reading_confidence",
                "float64",
                "how sure the reader is of what it read: the lower of the share of what it read that looks like questions "
                "and the share of the file's question-like blocks it read (0–1; below 0.8 make all warns)",
                nullable=True,
            ),
            _col(
                "lines_in_doubt",
                "string",
                "the lines that lower the confidence, first 20: read but asking nothing, or asking but not read",
                nullable=True,
            ),
            _col("warnings", "string", "what the layout noticed (a numbered heading at another level, …)", nullable=True),
            _col("error", "string", "why the bank could not be read; null when it was", nullable=True),
            _col("stated_as", "string", "the name the appendix gives it in Sources & Attribution", nullable=True),
            _col("stated_count", "int64", "the number of questions the appendix states for it", nullable=True),
            _col("stated_line", "int64", "the appendix line that states it", nullable=True),
            _col(
                "title_count",
                "int64",
                'the number of questions the bank\'s own title states ("63 questions", "120 题")',
                nullable=True,
            ),
            _col("registry_line", "int64", "line of raw/external_banks.csv"),
        ),
    ),
    Table(
        "external_questions",
        "one row per question of an external bank",
        "external",
        (
            _col("bank_id", "string", "the bank"),
            _col("external_question_id", "string", "stable key: `x` + hash of the bank and the normalised text"),
            _col("section", "string", "the heading the question stands under", nullable=True),
            _col("number", "int64", "the number printed before it (restarts per section in most banks)", nullable=True),
            _col("text", "string", "the question: no emphasis, link, HTML or image markup"),
            _col("links", "string", "the targets of the links in the question, space-separated", nullable=True),
            _col(
                "difficulty",
                "string",
                "the difficulty the bank marks (`[HARD]`, `(Easy)`, 🟢 🟡 🔴): easy, medium, hard, …",
                nullable=True,
            ),
            _col("number_step", "int64", "number minus the previous number in the section (1 when consecutive)", nullable=True),
            _col("source_line", "int64", "line of the bank's file"),
        ),
    ),
    Table(
        "external_layout_parts",
        "one row per part of an external bank: the layout that read it and its lines (auto reads a bank section by section)",
        "external",
        (
            _col("bank_id", "string", "the bank"),
            _col("part", "int64", "1 for the bank's first part, in line order"),
            _col("layout", "string", "the layout that read the part (numbered, headings, table, …)"),
            _col("first_line", "int64", "line of the part's first question in the bank's file"),
            _col("last_line", "int64", "line of the part's last question"),
            _col("questions", "int64", "questions read in the part"),
        ),
    ),
    Table(
        "external_coverage",
        "one row per external question: its best appendix match and whether the appendix covers it",
        "overlap",
        (
            _col("bank_id", "string", "the bank"),
            _col("external_question_id", "string", "the external question"),
            _col("question_id", "string", "the best-matching appendix question", nullable=True),
            _col("label", "string", "its label", nullable=True),
            _col("section_id", "string", "its section", nullable=True),
            _col("score", "float64", "the dedup score of the pair"),
            _col("lexical_score", "float64", "its lexical part"),
            _col("semantic_score", "float64", "its embedding cosine (null when embeddings are off)", nullable=True),
            _col("is_covered", "bool", "score at or above the dedup threshold"),
        ),
    ),
)

TAG_TABLES: tuple[Table, ...] = (
    Table(
        "tag_suspects",
        "one row per question: how likely its tag is, by a model that never saw it, and whether it is a suspect",
        "tags",
        (
            _col("question_id", "string", "the question"),
            _col("label", "string", "its label"),
            _col("tag", "string", "its tag as written", nullable=True),
            _col(
                "suggested_tag",
                "string",
                "the tag the out-of-fold model finds most likely; null when its tag is on fewer than 2 questions",
                nullable=True,
            ),
            _col("tag_probability", "float64", "the out-of-fold probability of its own tag", nullable=True),
            _col("suggested_probability", "float64", "the out-of-fold probability of the suggested tag", nullable=True),
            _col("is_suspect", "bool", "cleanlab finds a label issue and no editor kept the tag"),
            _col("suspect_rank", "int64", "1 = least likely to carry its tag; null when not a suspect", nullable=True),
            _col(
                "verdict",
                "string",
                "the editors' verdict (as raw/tag_decisions.csv says it): keep, or retag:<tag> (an edit to make in the appendix)",
                nullable=True,
            ),
            _col("source_line", "int64", "the question's line in the appendix (its tag sits on the next line)", nullable=True),
        ),
    ),
    Table(
        "tag_decisions",
        "one row per decided question in raw/tag_decisions.csv",
        "tags",
        (
            _col("question_id", "string", "the question"),
            _col("label", "string", "its label when decided, as the file gives it", nullable=True),
            _col("verdict", "string", "keep, or retag:<tag>"),
            _col("reviewer", "string", "who decided"),
            _col("decided_on", "string", "date of the decision, YYYY-MM-DD"),
            _col("note", "string", "the reviewer's note", nullable=True),
            _col("is_stale", "bool", "the question no longer exists (its text was edited or removed)"),
            _col("source_line", "int64", "line of the decisions file"),
        ),
    ),
)

CHANGES_TABLES: tuple[Table, ...] = (
    Table(
        "history",
        "one row per (point, measure): the bank's measures at every commit that changed raw/ (make history), this build last",
        "changes",
        (
            _col("position", "int64", "0 = the oldest point; this build is the last"),
            _col("commit", "string", "the commit whose raw/ was built with today's code; null for this build", nullable=True),
            _col("committed_at", "string", "its commit date (ISO 8601)", nullable=True),
            _col("subject", "string", "its commit message's first line, or `current build`"),
            _col("is_current", "bool", "the point is this build"),
            _col("metric", "string", "questions, questions tagged, stated, flagged pairs, undecided pairs, tag suspects, …"),
            _col("tag", "string", "the tag, for `questions tagged` and `stated`", nullable=True),
            _col("value", "float64", "the measure (a count, or a share between 0 and 1)", nullable=True),
        ),
    ),
)

TABLES = INGEST_TABLES + DEDUP_TABLES + LINK_TABLES + EXTERNAL_TABLES + TAG_TABLES + CHANGES_TABLES

TABLES_BY_NAME = {table.name: table for table in TABLES}


def table(name: str) -> Table:
    """Return the declared table called `name`."""
    return TABLES_BY_NAME[name]


@dataclass(frozen=True)
class ReportFile:
    name: str  # under reports/
    stage: str  # the stage that writes it
    title: str | None = None  # an HTML page's title in the navigation every page shares (None: not a page)
    optional: bool = False  # written only by some builds (changes.json and .md: with a base to compare with)


# In the order of the navigation.
REPORT_FILES: tuple[ReportFile, ...] = (
    ReportFile("duplicates.html", "dedup", "Duplicate review"),
    ReportFile("duplicates.csv", "dedup"),
    ReportFile("tag_audit.html", "tags", "Tag audit"),
    ReportFile("tag_audit.md", "tags"),
    ReportFile("quality.html", "check", "Quality"),
    ReportFile("quality.json", "check"),
    ReportFile("coverage.html", "report", "Coverage"),
    ReportFile("coverage.md", "report"),
    ReportFile("external_coverage.html", "overlap", "External banks"),
    ReportFile("external_coverage.md", "overlap"),
    ReportFile("changes.html", "changes", "Changes"),
    ReportFile("changes.md", "changes", optional=True),
    ReportFile("changes.json", "changes", optional=True),
    ReportFile("history.html", "changes", "History"),
)
REPORT_FILES_BY_NAME = {report.name: report for report in REPORT_FILES}


@dataclass(frozen=True)
class WarehouseFile:
    name: str  # under warehouse/, besides the tables' Parquet files
    stage: str  # the stage that makes it
    amended_by: tuple[str, ...] = ()  # later stages that replace it with a new file holding more (never in place)


WAREHOUSE_FILES: tuple[WarehouseFile, ...] = (
    WarehouseFile(paths.INGEST_MANIFEST, "ingest"),  # what ingest read (the appendix's path and digest) and the rows it wrote
    # changes adds the history table to a copy of the database that replaces it (a published one is never written)
    WarehouseFile(paths.DUCKDB_FILE, "warehouse", ("changes",)),
)


def report_file(name: str) -> str:
    """Return `name`, a declared report file (KeyError for one that is not: a writer cannot invent a file)."""
    return REPORT_FILES_BY_NAME[name].name


@dataclass(frozen=True)
class EditorsFile:
    name: str  # raw/<name>.csv
    columns: tuple[str, ...]  # the header starts with these, in this order
    optional: tuple[str, ...] = ()  # read by name when present
    grain: str = ""


EDITORS_FILES: tuple[EditorsFile, ...] = (
    EditorsFile("duplicate_decisions", ("question_id_a", "question_id_b", "verdict", "reviewer", "date", "note"),
                # what the pair's questions said when it was decided (the review page and CSV write them), so a decision
                # that goes stale can show the text then beside the text now; for a duplicate, which question to cut
                ("label_a", "label_b", "text_a", "text_b", "cut"), "one row per pair an editor decided"),
    EditorsFile("tag_decisions", ("question_id", "label", "verdict", "reviewer", "date", "note"), (), "one row per question whose tag an editor judged"),
    EditorsFile("external_banks", ("bank_id", "name", "file", "source", "licence", "layout", "question_level", "stated_as"), ("question_column", "skip_lines"),
                "one row per external question bank"),
    EditorsFile("ref_aliases", ("ref_title", "term"), (), "one row per name by which questions point to a reference"),
    EditorsFile("generic_terms", ("term", "why"), (), "one row per name that is no technique of its own"),
    # written by the workbench only, appended at each verdict: who decided what and when, overwritten and undone too
    # the optional columns say the verdict the file holds after each event whole (whose, since when, its note, its cut)
    # and which editor session wrote it (a mark of it): replaying the history rebuilds the decisions files
    EditorsFile("verdict_history", ("written_at", "reviewer", "action", "file", "key", "labels", "verdict", "previous_reviewer", "previous_verdict"),
                ("held_by", "held_since", "note", "cut", "session"),
                "one row per verdict the workbench wrote, in order (overwritten and undone ones too)"),
)  # fmt: skip
EDITORS_FILES_BY_NAME = {file.name: file for file in EDITORS_FILES}


def editors_file(name: str) -> EditorsFile:
    """Return the declared editors' file called `name`."""
    return EDITORS_FILES_BY_NAME[name]
