"""External question banks: the Markdown layouts, the real bank, the registry, coverage and its report."""

import html.parser

import pandas as pd
import pytest

from helpers import REAL_APPENDIX, ROOT, run_cli, stage_cli, work_area
from pipeline.errors import InputError
from pipeline.external.markdown import parse_bank
from pipeline.external.registry import parse_registry

NUMBERED = """# A bank of questions

Owner: someone

## Models

1. **What is a GAN?**
- Answer:
    A GAN has two networks:
    1. **Generator:** makes samples.
    2. **Discriminator:** judges them.

    ![figure](img.png)

---

2. How does a VAE use latent variables?
- Answer: see below.
```python
3. not a question, this is code
```
**3.** Why does mode collapse happen?

### Training

1.  ****What is gradient clipping?
**2. What is a learning-rate schedule?**
"""


def test_numbered_layout():
    rows = parse_bank(NUMBERED, "numbered")
    assert [(r["section"], r["number"], r["text"], r["source_line"]) for r in rows] == [
        ("Models", 1, "What is a GAN?", 7),
        ("Models", 2, "How does a VAE use latent variables?", 17),
        ("Models", 3, "Why does mode collapse happen?", 22),
        ("Training", 1, "What is gradient clipping?", 26),
        ("Training", 2, "What is a learning-rate schedule?", 27),
    ]


HEADINGS = """# Interview questions
## Basics
### 1. What is attention?
Attention weighs tokens.
### What is a KV cache?
#### Details
## Serving
### 1) How does batching help?
"""


def test_headings_layout():
    rows = parse_bank(HEADINGS, "headings", question_level=3)
    assert [(r["section"], r["number"], r["text"], r["source_line"]) for r in rows] == [
        ("Basics", 1, "What is attention?", 3),
        ("Basics", None, "What is a KV cache?", 5),
        ("Serving", 1, "How does batching help?", 8),
    ]


def test_an_unknown_layout_is_an_error():
    with pytest.raises(
        InputError,
        match="unknown layout 'lines'; known: numbered, headings, table, details, bold-paragraphs, bold-bullets, bullets, admonitions, paragraphs, auto",
    ):
        parse_bank("# x\n", "lines")
    with pytest.raises(InputError, match="unknown layout 'table\\+lines'"):
        parse_bank("# x\n", "table+lines")


# First and last question of each section, and the count, read off the file (grep -n '^[0-9*]') by hand.
REAL_SECTIONS = {
    "Generative Models": (
        12,
        "What is the difference between generative and discriminative models?",
        "In the context of GANs, what is the purpose of gradient penalties in the loss function? How do they address training instability?",
    ),
    "Large Language Models": (
        17,
        "Discuss the concept of transfer learning in the context of natural language processing. How do pre-trained language models contribute to various NLP tasks?",
        "How can reinforcement learning be integrated into the training of large language models, and what challenges might arise in selecting suitable loss functions for RL-based approaches?",
    ),
    "Multimodal Models (Includes non-generative models)": (
        12,
        "In multimodal language models, how is information from visual and textual modalities effectively integrated to perform tasks such as image captioning or visual question answering?",
        "How do attention mechanisms enhance the performance of vision-language models?",
    ),
    "Embeddings": (
        14,
        "What is the fundamental concept of embeddings in machine learning, and how do they represent information in a more compact form compared to raw input data?",
        "In loss functions like triplet loss or contrastive loss, what is the significance of the margin parameter?",
    ),
    "Training, Inference and Evaluation": (
        7,
        "Discuss challenges related to overfitting in LLMs during training. What strategies and regularization techniques are effective in preventing overfitting, especially when dealing with massive language corpora?",
        "Why might over-reliance on perplexity as a metric be problematic in evaluating LLMs? What aspects of language understanding might it overlook?",
    ),
}


def test_the_real_bank_is_read_whole():
    rows = parse_bank((ROOT / "raw" / "external" / "awesome_genai_60.md").read_text(encoding="utf-8"), "numbered")
    assert len(rows) == 62
    for section, (count, first, last) in REAL_SECTIONS.items():
        in_section = [r for r in rows if r["section"] == section]
        assert [r["number"] for r in in_section] == list(range(1, count + 1)), section
        assert (in_section[0]["text"], in_section[-1]["text"]) == (first, last)
    assert [r["section"] for r in rows if r["section"] not in REAL_SECTIONS] == []


def test_the_vendored_bank_is_unmodified_and_keeps_its_licence():
    import hashlib

    shared = ROOT.parent / "shared" / "external" / "awesome_genai_60.md"
    vendored = ROOT / "raw" / "external" / "awesome_genai_60.md"
    if shared.exists():
        assert hashlib.sha256(shared.read_bytes()).digest() == hashlib.sha256(vendored.read_bytes()).digest()
    assert "MIT License" in (ROOT / "raw" / "external" / "awesome_genai_60.LICENSE").read_text(encoding="utf-8")


HEADER = "bank_id,name,file,source,licence,layout,question_level,stated_as\n"


@pytest.mark.parametrize(
    "body, line, message",
    [
        (
            "b,B,b.md,s,MIT,lines,,\n",
            2,
            "layout 'lines' is not one of numbered, headings, table, details, bold-paragraphs, bold-bullets, bullets, admonitions, paragraphs, auto, "
            "nor layouts joined by + (table+numbered)",
        ),
        ("b,B,b.md,s,,numbered,,\n", 2, "licence is empty"),
        ("b,B,b.md,s,MIT,headings,three,\n", 2, "question_level must be a heading level (1–6)"),
        ("b,B,b.md,s,MIT,numbered,,\nb,B2,c.md,s,MIT,numbered,,\n", 3, "bank_id 'b' is registered twice"),
        ("b,B,b.md\n", 2, "expected at least 8 fields, found 3"),
    ],
)
def test_malformed_registry_rows_name_their_line(body, line, message):
    with pytest.raises(InputError) as caught:
        parse_registry(HEADER + body)
    assert (caught.value.line, caught.value.message) == (line, message)


class CoverageRows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.kinds = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-coverage" in attrs:
            self.kinds.append(attrs["data-coverage"])


def test_external_stage_end_to_end(tmp_path):
    result = stage_cli("overlap", REAL_APPENDIX, tmp_path, EXTERNAL_BANKS=ROOT / "raw" / "external_banks.csv")
    assert result.returncode == 0, result.stderr
    assert "external: awesome_genai_60: 62 questions, appendix states 60" in result.stdout.splitlines()
    wh, reports = work_area(tmp_path)
    banks = pd.read_parquet(wh / "external_banks.parquet")
    assert banks[["bank_id", "questions", "stated_count", "stated_line"]].values.tolist() == [["awesome_genai_60", 62, 60, 5]]
    coverage = pd.read_parquet(wh / "external_coverage.parquet")
    assert len(coverage) == 62 and coverage["question_id"].notna().all()
    page = CoverageRows()
    page.feed((reports / "external_coverage.html").read_text(encoding="utf-8"))
    assert len(page.kinds) == 62 and page.kinds.count("covered") == int(coverage["is_covered"].sum())
    markdown = (reports / "external_coverage.md").read_text(encoding="utf-8")
    assert "The file holds 62 questions; the appendix states 60 (line 5" in markdown and "it disagrees" in markdown


def test_a_bank_that_cannot_be_read_is_reported_and_the_others_are_read(tmp_path):
    """Loud, never silent: the failing bank is named with its registry row, recorded, and fails make check; the rest are read."""
    (tmp_path / "bank.md").write_text("# Title\n## S\n- not numbered\n", encoding="utf-8")
    (tmp_path / "good.md").write_text("# Title\n## S\n1. What is a token?\n2. Why do we need attention?\n", encoding="utf-8")
    (tmp_path / "banks.csv").write_text(HEADER + "b,B,bank.md,s,MIT,numbered,,\ng,G,good.md,s,MIT,auto,,\n", encoding="utf-8")
    result = stage_cli("check", REAL_APPENDIX, tmp_path, EXTERNAL_BANKS=tmp_path / "banks.csv")
    assert result.returncode == 0
    wh, reports = work_area(tmp_path)
    assert result.stderr.startswith(
        f"warning: {tmp_path / 'banks.csv'}:2: bank 'b': no question found in bank.md (numbered (from the registry): no items)"
    )
    assert result.stderr.rstrip().endswith("(this bank is not read, the others are; make check fails on it)")
    banks = pd.read_parquet(wh / "external_banks.parquet")
    assert (
        banks[["bank_id", "questions"]].values.tolist() == [["b", 0], ["g", 2]] and banks["layout_used"].tolist()[1] == "numbered"
    )
    assert banks["error"].notna().tolist() == [True, False]
    gate = run_cli("gate", "--reports", str(reports))
    assert gate.returncode == 1 and "CRITICAL external_banks/external-bank-read" in gate.stdout and "line 2: b" in gate.stdout


BANKS = ROOT / "tests" / "data" / "banks"
LAYOUT_FIXTURES = {  # file: (layout, registry options, the rows it holds: section, number, text, line, links)
    "numbered.md": (
        "numbered",
        {},
        [
            ("Models", 1, "What is a GAN?", 7, None),
            ("Models", 2, "How does a VAE use latent variables?", 17, None),
            ("Models", 3, "Why does mode collapse happen?", 22, None),
            ("Training", 1, "What is gradient clipping?", 26, None),
            ("Training", 2, "What is a learning-rate schedule?", 27, None),  # a lazy continuation line with its own number
            ("Training", 3, "What does x2 mean in layer norm and batch norm?", 28, None),
        ],
    ),  # HTML and `_a_ … _b_` emphasis
    "numbered_headings.md": (
        "headings",
        {"question_level": 4},
        [
            ("Data", 1, "How would you detect label noise in a dataset?", 5, "https://example.org/a"),
            ("Data", 2, "What is data leakage?", 9, "https://example.org/b"),
            ("Models", 3, "Why use a validation set?", 13, None),
            ("Models", 4, "How do you choose a learning rate?", 15, "https://example.org/c"),  # `### 4)` among `####`: a question
            ("Models", 5, "What is early stopping?", 17, None),
        ],
    ),
    "table.md": (
        "table",
        {},
        [
            (None, 1, "What is temperature in sampling?", 5, None),
            (None, 2, "Why does beam search produce bland text?", 6, None),
            (None, 3, "How do you evaluate a RAG system?", 7, "https://example.org/rag"),
        ],
    ),
    "details.md": (
        "details",
        {},
        [
            ("Basics", 1, "What is backpropagation?", 8, None),
            ("Basics", 2, "Why do we normalise inputs?", 16, None),
            ("Architectures", 3, "How does a residual connection help a deep network train?", 23, None),
        ],
    ),
    "bold_paragraphs.md": (
        "bold-paragraphs",
        {},
        [  # the numbered answers under each question are not questions
            ("Easy", None, "What is a token?", 5, None),
            ("Easy", None, "Why do models need positional information?", 10, None),
            ("Hard", None, "How would you shard a 70B model across 8 GPUs?", 16, None),
        ],
    ),
    "bold_bullets.md": (
        "bold-bullets",
        {},
        [  # the table of contents' links are not questions
            ("Basics", None, "What is a KV cache?", 10, None),
            ("Basics", None, "Explain the difference between prefill and decode.", 12, None),
            ("Serving", None, "How do you batch requests for a large model?", 17, None),
        ],
    ),
}


@pytest.mark.parametrize("name", LAYOUT_FIXTURES)
@pytest.mark.parametrize("layout_given", ["own", "auto"])
def test_each_layout_reads_its_fixture_exactly(name, layout_given):
    from pipeline.external.markdown import read_bank

    layout, options, expected = LAYOUT_FIXTURES[name]
    rows, used, why, warnings, *_ = read_bank(
        (BANKS / name).read_text(encoding="utf-8"),
        layout if layout_given == "own" else "auto",
        options.get("question_level"),
        options.get("question_column"),
    )
    assert [(r["section"], r["number"], r["text"], r["source_line"], r["links"]) for r in rows] == expected
    assert used == layout
    if layout_given == "auto":
        assert why.startswith(f"auto chose {layout}: {len(expected)} items, {len(expected)} look like questions")
    mislevelled = ["line 15: a numbered heading at level 3 among questions at level 4: read as a question"]
    assert warnings == (mislevelled if name == "numbered_headings.md" else [])


def test_the_traps_are_what_the_old_reader_fell_into():
    """Read with the layout a registry would have guessed, the traps give the wrong items; auto and the checks say so."""
    from pipeline.external.clean import question_share
    from pipeline.external.markdown import read_bank

    answers = read_bank((BANKS / "bold_paragraphs.md").read_text(encoding="utf-8"), "numbered")[0]
    assert [r["text"] for r in answers][:2] == ["A unit of text.", "Often a subword."] and question_share(
        [r["text"] for r in answers]
    ) < 0.5


def test_a_table_column_can_be_named():
    from pipeline.external.markdown import read_bank

    text = "| id | prompt text | notes |\n|---|---|---|\n| 1 | Name two pooling methods. | x |\n| 2 | Which loss for ranking? | y |\n"
    assert [r["text"] for r in read_bank(text, "table", question_column="prompt text")[0]] == [
        "Name two pooling methods.",
        "Which loss for ranking?",
    ]
    assert [r["text"] for r in read_bank(text, "table", question_column="2")[0]] == [
        "Name two pooling methods.",
        "Which loss for ranking?",
    ]
    with pytest.raises(InputError, match="no column 'answer'"):
        read_bank(text, "table", question_column="answer")


def test_preview_shows_every_layout_and_auto_s_choice():
    result = run_cli("external-preview", str(BANKS / "bold_bullets.md"))
    assert result.returncode == 0
    assert "  bold-bullets: 3 items, 3 look like questions (100%)" in result.stdout
    assert "    line 10: What is a KV cache?" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("  auto chose bold-bullets: 3 items, 3 look like questions")


def test_the_real_bank_reads_62_with_auto():
    from pipeline.external.markdown import read_bank

    rows, used, *_ = read_bank((ROOT / "raw" / "external" / "awesome_genai_60.md").read_text(encoding="utf-8"), "auto")
    assert (len(rows), used) == (62, "numbered")
    assert rows == parse_bank((ROOT / "raw" / "external" / "awesome_genai_60.md").read_text(encoding="utf-8"), "numbered")


def test_coverage_matches_a_repeated_question():
    from pipeline.external.tables import question_rows
    from pipeline.overlap.tables import coverage_rows

    appendix = [
        {"question_id": f"q{i}", "label": f"1.1.{i}", "section_id": "1.1", "text": t}
        for i, t in enumerate(
            [
                "What is Mixture of Experts (MoE)? Why does routing matter?",
                "Explain the KV cache.",
                "What is LoRA?",
                "How does beam search work?",
                "What is temperature?",
                "Compare BPE and WordPiece.",
            ]
        )
    ]
    external = question_rows(
        "b",
        [
            {"section": "S", "number": 1, "text": "What are mixture of experts models?", "source_line": 3},
            {"section": "S", "number": 2, "text": "Describe a GAN's discriminator.", "source_line": 9},
        ],
    )
    rows = coverage_rows(appendix, external)
    assert [(r["question_id"], r["is_covered"]) for r in rows] == [("q0", True), (rows[1]["question_id"], False)]
    assert [x["number_step"] for x in external] == [1, 1]
