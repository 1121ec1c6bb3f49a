"""The general rules of the bank reader (#46), each a table of small cases: labels, bold question lines, repeats."""

import pytest

from pipeline.external.clean import make_item, unlabelled


@pytest.mark.parametrize(
    "written, text",
    [
        ("Q0- What does clustering mean?", "What does clustering mean?"),
        ("Q12.- Why?", "Why?"),
        ("QX) How would you prepare the data?", "How would you prepare the data?"),
        ("Q 4.1: Please explain class weights", "Please explain class weights"),
        ("Question 6: Why freeze layers?", "Why freeze layers?"),
        ("Q: Why?", "Why?"),
        ("P12: ¿Qué es el sobreajuste?", "¿Qué es el sobreajuste?"),
        ("Pregunta 3: ¿Qué es?", "¿Qué es?"),
        ("问题1: 什么是LoRA?", "什么是LoRA?"),
        ("질문 3. 왜 필요한가요?", "왜 필요한가요?"),
        ("(A) You train a model", "You train a model"),
        ("a) What does it mean?", "What does it mean?"),
        ("iii. Why is it empirical?", "Why is it empirical?"),
        ("1.1 What is attention?", "What is attention?"),
        ("3.1.2 Explain dropout.", "Explain dropout."),
        ("一、什么是过拟合?", "什么是过拟合?"),
        ("① 什么是梯度?", "什么是梯度?"),
        # the question's own words stay
        ("Q-learning or SARSA?", "Q-learning or SARSA?"),
        ("3.5 billion parameters: how much memory?", "3.5 billion parameters: how much memory?"),
        ("I. Introduction", "I. Introduction"),
        ("A/B testing: when?", "A/B testing: when?"),
        ("P-values: what are they?", "P-values: what are they?"),
        ("Q1.", "Q1."),  # only a label: no question to cut it from
        ("Quantization?", "Quantization?"),
    ],
)
def test_a_label_is_cut_and_the_question_kept(written, text):
    assert unlabelled(written) == text


@pytest.mark.parametrize(
    "written, level",
    [("[E] What is a token?", "easy"), ("[H] Q7: Why?", "hard"), ("Why? [M]", "medium"), ("[M] Q3: Why?", "medium")],
)
def test_a_difficulty_letter_is_a_difficulty(written, level):
    item = make_item(None, None, written, 1, [])
    assert item.difficulty == level and "[" not in item.text and item.text.endswith("?")


@pytest.mark.parametrize(
    "bank, questions",
    [
        (  # a bold line ends the question, whatever its last character: what follows on the next line is the answer
            "# B\n\n1. **What is an image? Give an example.**  \n   An array of pixels.\n\n"
            "2. **How do you blur it?**\n   With a kernel. Why? Noise.\n",
            ["What is an image? Give an example.", "How do you blur it?"],
        ),
        (  # a line that only opens with bold text is no bold line: the question is read as before
            "# B\n\n1. **Explain** dropout and its rate.\n   It zeroes units.\n",
            ["Explain dropout and its rate. It zeroes units."],
        ),
    ],
)
def test_a_bold_question_line_ends_the_question(bank, questions):
    from pipeline.external.markdown import read_bank

    assert [row["text"] for row in read_bank(bank, "numbered").rows] == questions


def test_a_bank_that_lists_its_questions_then_answers_them_under_the_same_words_asks_each_once():
    from pipeline.external.markdown import read_bank

    bank = (
        "# Bank\n\n## Contents\n\n1. [What is drift?](#1-what-is-drift)\n2. [How to monitor a model?](#2)\n\n"
        "## 1. What is drift?\n\n- A change in the data.\n- Detect it with tests.\n\n"
        "## 2. How to monitor a model?\n\n- Metrics.\n- Alerts.\n"
    )
    rows = read_bank(bank, "auto").rows
    assert [(r["text"], r["source_line"]) for r in rows] == [("What is drift?", 5), ("How to monitor a model?", 6)]


def test_a_question_one_list_asks_twice_stays_twice():
    from pipeline.external.auto import once, text_key
    from pipeline.external.clean import Item

    def item(text, line):
        return Item(None, None, text, line)

    assert text_key("What is **LoRA**?") == text_key("what is lora") != text_key("What is QLoRA?")
    chosen = [
        ("numbered", [item("What is X?", 1), item("What is X?", 2)]),
        ("headings", [item("What is x", 9), item("Why?", 10)]),
    ]
    assert [[i.source_line for i in items] for _, items in once(chosen)] == [[1, 2], [10]]


def test_the_principal_layout_weighs_questions_by_their_share():
    """18 question-like bullets among 195 (an answer's points) lose to 10 numbered questions in 10 items."""
    from pipeline.external.auto import ranked
    from pipeline.external.clean import Item

    def items(asking, plain):
        return [Item(None, None, "Why?", n) for n in range(asking)] + [Item(None, None, "A point.", n) for n in range(plain)]

    read = {"numbered": (items(10, 0), []), "headings": (items(10, 2), []), "bullets": (items(18, 177), [])}
    assert ranked(read)[:3] == ["numbered", "headings", "bullets"]


@pytest.mark.parametrize(
    "written, text",
    [
        ("Explain bias and variance. Use an example [^glassdoor-google-ds]", "Explain bias and variance. Use an example"),
        ("解释LoRA的原理 A: LoRA通过低秩分解", "解释LoRA的原理"),
        ("What is RAG? **A**: retrieval then generation", "What is RAG?"),
        ("Plan A: ship it", "Plan A: ship it"),  # what stands before is no question: no answer is cut
        ("- What distance metrics are used?", "What distance metrics are used?"),
        ("a: Can you elaborate on FPN?", "Can you elaborate on FPN?"),
        ("MHA、MQA 的区别？分别解决什么问题？→ Attention", "MHA、MQA 的区别?分别解决什么问题?"),
        ("What is RRF? -> Retrieval notes", "What is RRF?"),
        ("Map x -> y, why?", "Map x -> y, why?"),  # an arrow inside the question stays
    ],
)
def test_footnotes_inline_answers_and_stray_bullets_are_no_part_of_the_question(written, text):
    assert make_item(None, None, written, 1, []).text == text


@pytest.mark.parametrize(
    "text, signpost",
    [
        ("Answer:", True),
        ("References", True),
        ("Table of contents", True),
        ("답변", True),
        ("What is an answer?", False),
        ("Solutions architecture trade-offs?", False),
    ],
)
def test_a_signpost_asks_nothing(text, signpost):
    from pipeline.external.clean import is_signpost

    assert is_signpost(text) is signpost


@pytest.mark.parametrize(
    "bank, questions",
    [
        (  # follow-up questions nested under a question are questions
            "# B\n\n- Why ReLU over sigmoid?\n  - What is the problem of ReLU?\n  - How does Leaky ReLU fix it?\n- What is BN?\n",
            ["Why ReLU over sigmoid?", "What is the problem of ReLU?", "How does Leaky ReLU fix it?", "What is BN?"],
        ),
        (  # an answer's points under a question stay its answer, a rhetorical question among them too
            "# B\n\n- Why ReLU?\n  - It is cheap.\n  - Why cheap? No exponent.\n  - Sparse activations.\n- What is BN?\n",
            ["Why ReLU?", "What is BN?"],
        ),
    ],
)
def test_follow_up_questions_under_a_question_are_read_and_answers_are_not(bank, questions):
    from pipeline.external.markdown import read_bank

    assert [row["text"] for row in read_bank(bank, "bullets").rows] == questions


def test_a_reading_says_how_sure_it_is_and_which_lines_are_in_doubt():
    from pipeline.external.markdown import read_bank

    sure = read_bank("# B\n\n1. What is X?\n2. Why Y?\n3. How Z?\n", "auto")
    assert (sure.confidence, sure.doubts) == (1.0, ())
    # read as numbered (3 questions), but 2 question-like bullets elsewhere were not read: 3 of 5 found
    unsure = read_bank("# B\n\n1. What is X?\n2. Why Y?\n3. How Z?\n\n## More\n\nText.\n\n- Is it A?\n- Is it B?\n", "numbered")
    assert unsure.confidence == 0.6 and unsure.doubts == (11, 12)
    # a question repeated as its answer's heading is not a question missed
    repeated = read_bank("# B\n\n1. What is X?\n2. Why Y?\n\n## What is X?\n\nAn answer.\n", "numbered")
    assert repeated.confidence == 1.0


def test_an_editor_skips_lines_from_the_registry_and_the_lines_keep_their_numbers():
    from pipeline.errors import InputError
    from pipeline.external.registry import line_ranges, skipped

    assert line_ranges("1-2; 5", 3) == ((1, 2), (5, 5))
    assert skipped("a\nb\nc\nd\ne", ((1, 2), (5, 5))) == "\n\nc\nd\n"
    for bad in ("2-1", "x", "0-3"):
        with pytest.raises(InputError, match="skip_lines"):
            line_ranges(bad, 3)


def test_make_all_warns_of_a_bank_read_with_little_confidence_and_the_preview_shows_it(tmp_path, capsys):
    from helpers import REAL_APPENDIX, ingest_into, run_cli
    from pipeline.external import stage

    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "bank.md").write_text("# B\n\n1. What is X?\n2. Why Y?\n3. How Z?\n\n## More\n\n- Is it A?\n- Is it B?\n- Is it C?\n")
    registry = raw / "banks.csv"
    registry.write_text("bank_id,name,file,source,licence,layout,question_level,stated_as,skip_lines\n"
                        "b,B,bank.md,s,MIT,numbered,,,\nc,C,bank.md,s,MIT,numbered,,,7-11\n")  # fmt: skip
    ingest_into(REAL_APPENDIX, tmp_path / "wh")
    out = stage.run(tmp_path / "wh", registry)
    err = capsys.readouterr().err
    assert (
        f"warning: {registry}:2: bank 'b' read as numbered with confidence 0.50 (below 0.8): lines in doubt in bank.md: 9, 10, 11"
        in err
    )
    assert "bank 'c'" not in err  # the lines the registry skips are not read, and not in doubt
    assert [(b["bank_id"], b["reading_confidence"], b["lines_in_doubt"]) for b in out["external_banks"]] == [
        ("b", 0.5, "9, 10, 11"), ("c", 1.0, None)]  # fmt: skip
    shown = run_cli("external-preview", "--bank", "b", "--registry", str(registry))
    assert shown.returncode == 0 and "read as numbered, 3 questions, confidence 0.50" in shown.stdout
    assert "line     3  numbered        What is X?" in shown.stdout and "lines in doubt: 9, 10, 11" in shown.stdout


def test_a_table_of_contents_that_lists_the_questions_is_read_once_and_one_of_topics_is_not():
    from pipeline.external.markdown import read_bank

    answers = (
        "\n## What is drift?\n\nAn answer.\n\n## Why monitor?\n\nAnother.\n\n### References\n\n- Drift in practice - a blog\n"
    )
    asks = (
        "# B\n\n- [What is drift?](#what-is-drift)\n  - [How to detect it?](#detect)\n- [Why monitor?](#why-monitor)\n" + answers
    )
    rows = read_bank(asks, "auto").rows
    assert [(r["text"], r["source_line"]) for r in rows] == [("What is drift?", 3), ("How to detect it?", 4), ("Why monitor?", 5)]
    topics = "# B\n\n- [Drift](#what-is-drift)\n- [Monitoring](#why-monitor)\n" + answers
    assert [r["text"] for r in read_bank(topics, "auto").rows] == ["What is drift?", "Why monitor?"]


@pytest.mark.parametrize(
    "section, listing", [("References", True), ("참고자료", True), ("3. Further reading:", True), ("Drift", False)]
)
def test_a_reading_list_section_holds_no_question(section, listing):
    from pipeline.external.clean import is_reading_list

    assert is_reading_list(section) is listing


def test_sub_questions_under_a_numbered_topic_are_read_and_the_topic_is_not():
    from pipeline.external.markdown import read_bank

    bank = (
        "# B\n\n1. Empirical risk minimization.\n    i. What is the risk in empirical risk minimization?\n"
        "    ii. Why is it empirical?\n2. What is Occam's razor?\n   It prefers the simpler model. a) not a label here.\n"
    )
    rows = read_bank(bank, "numbered").rows
    assert [(r["source_line"], r["text"]) for r in rows] == [
        (4, "What is the risk in empirical risk minimization?"),
        (5, "Why is it empirical?"),
        (6, "What is Occam's razor?"),
    ]


def test_an_admonition_titled_with_a_question_is_a_question_and_its_answer_is_not():
    from pipeline.external.markdown import read_bank

    bank = (
        '# B\n\n??? question "What is a cost function?"\n\n    * It measures the error.\n\n'
        '???+ question "Cost vs loss?"\n\n    * Per example.\n\n!!! note "Read more"\n\n    Text.\n\n'
        "??? not an admonition\n"
    )
    rows = read_bank(bank, "auto").rows
    assert [(r["source_line"], r["text"]) for r in rows] == [(3, "What is a cost function?"), (7, "Cost vs loss?")]


@pytest.mark.parametrize(
    "bank, questions",
    [
        (  # a paragraph labelled as follow-ups: each of its questions
            "# B\n\n### 1. What is few-shot prompting?\n\nWorked examples in the prompt.\n\n"
            "**Follow-ups:** How many examples are enough? Why can CoT examples hurt? That is all.\n",
            ["What is few-shot prompting?", "How many examples are enough?", "Why can CoT examples hurt?"],
        ),
        (  # a label, then a list of quoted questions with their answers; a later list of the answer is not read
            "# B\n\n### Q: What is RAG?\n\nRetrieve, then generate.\n\n**Common follow-ups.**\n\n"
            '- "What\'s RRF?" → rank fusion.\n- "When do you skip reranking?" → when it is slow.\n\n'
            "**Short answer.**\n\n- Is it fast? Yes.\n\n### Q: Why chunk documents?\n\nContext limits.\n",
            ["What is RAG?", "What's RRF?", "When do you skip reranking?", "Why chunk documents?"],
        ),
        (  # a heading that says follow-ups, then bold Q: bullets with their A: answers
            "# B\n\n## 损失函数是什么?\n\n答案。\n\n### 🪤 追问\n\n- **Q：为什么用交叉熵？**\n  A：因为分布。\n",
            ["损失函数是什么?", "为什么用交叉熵?"],
        ),
    ],
)
def test_follow_up_questions_a_bank_labels_are_read_beside_its_layout(bank, questions):
    from pipeline.external.markdown import read_bank

    assert [row["text"] for row in read_bank(bank, "headings").rows] == questions  # as the registry names it


@pytest.mark.parametrize(
    "bank, questions",
    [
        # every question a level-1 heading: the first is a question, not the title
        ("# Q1. Explain R-CNN.\nAns: regions.\n\n# Q2. Why ROI pooling?\nAns: size.\n", ["Explain R-CNN.", "Why ROI pooling?"]),
        # a title that asks, over questions at level 2: still the title
        ("# What is MLOps?\n\n## Why monitor?\n\nA.\n\n## How to retrain?\n\nB.\n", ["Why monitor?", "How to retrain?"]),
        # a title that names the bank, over level-1 questions
        ("# ML questions\n\n# What is bias?\n\nA.\n\n# What is variance?\n\nB.\n", ["What is bias?", "What is variance?"]),
    ],
)
def test_the_first_level_1_heading_is_the_title_unless_the_bank_asks_at_level_1(bank, questions):
    from pipeline.external.markdown import read_bank

    assert [r["text"] for r in read_bank(bank, "auto").rows] == questions


def test_a_table_of_contents_of_topics_holds_no_question_and_one_that_asks_does():
    from pipeline.external.markdown import read_bank

    topics = "# B\n\n## 目录\n\n1. 机器学习基础\n2. 大模型微调\n\n## 机器学习基础\n\n1. 梯度裁剪目的、原理\n2. 偏差和方差\n3. 什么是过拟合？\n"
    assert [r["text"] for r in read_bank(topics, "numbered").rows] == ["梯度裁剪目的、原理", "偏差和方差", "什么是过拟合?"]
    asks = "# B\n\n## Table of Contents\n\n- [What is deep learning?](#1)\n- [Why normalize?](#2)\n\n## #1\n\n#### What is deep learning?\n\nA.\n"
    assert [r["text"] for r in read_bank(asks, "auto").rows] == ["What is deep learning?", "Why normalize?"]


@pytest.mark.parametrize(
    "text, asks",
    [
        ("알고있는 Activation Function에 대해 알려주세요. (Sigmoid, ReLU, LeakyReLU, Tanh 등)", True),  # Korean request, an aside
        ("나만의 feature selection 방식을 설명해봅시다.", True),
        ("설계 방식의 장단점", False),  # a Korean topic
        ("设计一个企业知识库问答系统:从文档接入到权限隔离。", True),  # a Chinese task
        ("用 NumPy/PyTorch 实现 Self-Attention(含缩放、mask、softmax)。", True),
        ("模型显存占用分析", False),  # a Chinese topic
        ("Supervised Learning và Unsupervised Learning khác nhau như thế nào", True),  # Vietnamese
        ("Hãy mô tả quy trình xây dựng một mô hình Machine Learning từ đầu.", True),
        ("Mô hình ngôn ngữ lớn", False),  # a Vietnamese topic
        ("Gradient descent (with momentum)", False),  # an aside alone makes no question
    ],
)
def test_requests_in_korean_chinese_and_vietnamese_ask(text, asks):
    from pipeline.external.clean import looks_like_question

    assert looks_like_question(text) is asks


def test_an_introduction_and_an_afterword_that_ask_nothing_are_not_questions_and_say_so():
    from pipeline.external.markdown import read_bank

    asks = "".join(f"- What is case {n}?\n" for n in range(12))
    bank = (
        "# Interview questions\n\n- Made by A. Author\n- Last modified 2018\n\n## Statistics\n\n- Bias and variance\n"
        f"{asks}\n## Machine learning\n\n{asks}\n## Preparing\n\n- Practise every day\n"
    )  # 24 of 28 items ask
    reading = read_bank(bank, "auto")
    assert len(reading.rows) == 25 and reading.rows[0]["text"] == "Bias and variance"  # it stays: its section asks
    assert any(w.startswith("lines 3–39: 3 items") and "introduction" in w for w in reading.warnings)
    few = "# B\n\n- Made by A. Author\n\n## Basics\n\n- Bias and variance\n- What is a tree?\n\n## Notes\n\n- Kernels\n"
    assert len(read_bank(few, "auto").rows) == 4  # a bank where fewer than 80% of the items ask keeps them all


@pytest.mark.parametrize(
    "written, text",
    [
        ("LangGraph：为什么复杂 Agent 要从 Chain 走向 Graph？", "为什么复杂 Agent 要从 Chain 走向 Graph?"),  # a topic label
        ("计算题3：如何估算模型kv_cache显存占用量？", "如何估算模型kv_cache显存占用量?"),
        ("Spring AI / Java AI: Why use a framework?", "Why use a framework?"),
        ("Interlude: comparing performance metrics", "Interlude: comparing performance metrics"),  # nothing asks after it
        ("You are comparing two models: which is better?", "You are comparing two models: which is better?"),  # a clause
        ("What is X: a definition?", "What is X: a definition?"),  # the head asks
        (
            "K-means의 단점은 무엇인가요? (계산량 말고)",
            "K-means의 단점은 무엇인가요? (계산량 말고)",
        ),  # an aside is the question's
        ("Who wrote it? [Google]", "Who wrote it?"),  # a source in brackets is not
    ],
)
def test_a_topic_label_and_a_source_are_cut_and_an_aside_is_kept(written, text):
    assert make_item(None, None, written, 1, []).text == text


@pytest.mark.parametrize(
    "text, asks",
    [
        ("Difference between args and kwargs", True),
        ("Pros and cons of each activation function.", True),
        ("Differential privacy", False),
    ],
)
def test_a_noun_phrase_that_asks_to_compare_asks(text, asks):
    from pipeline.external.clean import looks_like_question

    assert looks_like_question(text) is asks


def test_paragraphs_a_bank_enumerates_by_letters_are_its_questions_and_e_g_is_no_letter():
    from pipeline.external.markdown import read_bank

    bank = (
        "- NLU 和 NLG 的差异？\n\n\na. Self-Attention的表达式\n\n\nb. 为什么要对QK进行scaling\n\n"
        "scaling 让分布更好。\n\n\nc.self-attention一定要这样表达吗？\n\n不一定。\n\ne.g. 这是一个例子。\n"
    )
    rows = read_bank(bank, "auto").rows
    assert [(r["source_line"], r["number"], r["text"]) for r in rows] == [
        (1, None, "NLU 和 NLG 的差异?"),
        (4, 1, "Self-Attention的表达式"),
        (7, 2, "为什么要对QK进行scaling"),
        (12, 3, "self-attention一定要这样表达吗?"),
    ]


def test_a_bank_of_plain_paragraph_questions_is_read_whole_and_answers_that_ask_do_not_turn_a_bank_to_paragraphs():
    from pipeline.external.markdown import read_bank

    plain = "".join(
        f"Topic {n}\n\n{'**' * (n == 0)}What is idea {n}?{'**' * (n == 0)}\n\nIt is a thing. Why? Because it is.\n\n"
        f"How is idea {n} used?\n\nOften.\n\n"
        for n in range(4)
    )  # 8 questions under plain-text titles, one of them bold
    reading = read_bank("# Bank\n\n" + plain, "auto")
    assert [r["text"] for r in reading.rows] == [
        f"{w} idea {n}{u}?" for n in range(4) for w, u in (("What is", ""), ("How is", " used"))
    ]
    assert reading.layout == "paragraphs" and "a fallback: 8 questions, the other layouts 1" in reading.why
    headings = "".join(f"## What is idea {n}?\n\nWhy does it matter?\n\nIt does.\n\n" for n in range(6))
    assert len(read_bank("# Bank\n\n" + headings, "auto").rows) == 6  # six answers that ask stay answers


@pytest.mark.parametrize(
    "text, about",
    [
        ("Who is this for?", True),
        ("What is in this repo?", True),
        ("How to use this guide", True),
        ("怎么用这份题库？", True),
        ("How would you change this design?", False),
        ("What is MLOps?", False),
    ],
)
def test_a_question_a_document_asks_about_itself_is_a_signpost(text, about):
    from pipeline.external.clean import is_signpost

    assert is_signpost(text) is about


@pytest.mark.parametrize(
    "written, text",
    [
        ("🪤 为什么需要 Warmup？", "为什么需要 Warmup?"),
        ("💡 ⭐ What is a KV cache?", "What is a KV cache?"),
        ("① 什么是过拟合？", "什么是过拟合?"),  # a circled number is a label, cut by the label rule
        ("→ What is drift?", "→ What is drift?"),  # an arrow is no pictograph
    ],
)
def test_pictographs_before_a_question_are_no_part_of_it(written, text):
    assert make_item(None, None, written, 1, []).text == text


@pytest.mark.parametrize(
    "text", ["Draw the graphs for sigmoid and tanh.", "Prove that the loss is convex.", "Find the top two documents."]
)
def test_a_task_asks(text):
    from pipeline.external.clean import looks_like_question

    assert looks_like_question(text)


@pytest.mark.parametrize(
    "bank",
    [
        "1. What is X? [Answer](answers.md#x)\n2. Why Y? [Answer](answers.md#y)\n",  # a pointer to the answer
        "1. What is X? ([solution](s.md))\n2. Why Y? ([solution](t.md))\n",
        "- What is X? 👉 [answer](a.md)\n- Why Y? 👉 [answer](b.md)\n",
        "- [ ] What is X?\n- [x] Why Y?\n",  # task boxes
        "- [Google] What is X?\n- [Meta, Amazon] Why Y?\n",  # company tags
        "- **[Google]** What is X?\n- **[Meta]** Why Y?\n",
        "1. What is X? *(Asked at Google)*\n2. Why Y? *(Asked at Meta)*\n",  # where it was asked
        "- What is X? — *Google*\n- Why Y? — *Meta*\n",
        "**Q:** What is X?\n\n**A:** It is.\n\n**Q:** Why Y?\n\n**A:** Because.\n",  # bold labels
        "**Question 1:** What is X?\nIt is.\n\n**Question 2:** Why Y?\nBecause.\n",
        "- **Q:** What is X?\n- **Q:** Why Y?\n",
        "1. What is X?<br>It is.\n2. Why Y?<br/>Because.\n",  # an answer after a `<br>`
        "**What is X?**<br>It is.\n\n**Why Y?**<br>Because.\n",
        "## 1️⃣ What is X?\n\nA.\n\n## 2️⃣ Why Y?\n\nB.\n",  # keycap numbers
        "### What is X? {#x}\n\nA.\n\n### Why Y? {#y}\n\nB.\n",  # a heading's attributes
        "#### Q1 What is X?\n\nA.\n\n#### Q2 Why Y?\n\nB.\n",  # a number without a separator
        "- :question: What is X?\n- :question: Why Y?\n",  # a shortcode
        "1. What is X? `#ml`\n2. Why Y? `#stats`\n",  # tags
        "1. What is X? (2 points)\n2. Why Y? (3 points)\n",  # marks
        "> **What is X?**\n>\n> It is.\n\n> **Why Y?**\n>\n> Because.\n",  # in block quotes
        "Q: What is X?\nA: It is.\n\nQ: Why Y?\nA: Because.\n",  # plain Q: / A: paragraphs
        "问：What is X?\n答：It is.\n\n问：Why Y?\n答：Because.\n",
    ],
)
def test_what_a_bank_writes_around_its_questions_is_no_part_of_them(bank):
    from pipeline.external.markdown import read_bank

    assert [r["text"] for r in read_bank("# T\n\n" + bank, "auto").rows] == ["What is X?", "Why Y?"]


@pytest.mark.parametrize("text", ["Q4 revenue fell: why?", "Q-learning vs SARSA?"])
def test_a_q_that_is_no_label_stays(text):
    assert make_item(None, None, text, 1, []).text == text


@pytest.mark.parametrize(
    "text, label", [("Q:", True), ("Q6.", True), ("Question 3:", True), ("问题1：", True), ("Why?", False), ("Q-learning", False)]
)
def test_a_bold_label_is_told_from_a_question(text, label):
    from pipeline.external.clean import is_label

    assert is_label(text) is label


@pytest.mark.parametrize(
    "bank, questions",
    [
        (  # bullets that ask under a numbered question: its follow-ups
            "1. 딥러닝이란 무엇인가요?\n    - 머신러닝과의 차이는 무엇인가요?\n    - 왜 깊어야 하나요?\n2. 과적합이란 무엇인가요?\n",
            ["딥러닝이란 무엇인가요?", "머신러닝과의 차이는 무엇인가요?", "왜 깊어야 하나요?", "과적합이란 무엇인가요?"],
        ),
        ("1. What is X?\n   - It is A.\n   - It is B.\n2. Why Y?\n   - Because.\n", ["What is X?", "Why Y?"]),  # an answer
        (  # bullets that ask right under a question heading, after a label
            "## What is X?\n\nFollow-ups:\n\n- Why A?\n- How B?\n\n## Why Y?\n\n- Because.\n- It is.\n",
            ["What is X?", "Why A?", "How B?", "Why Y?"],
        ),
        ("## What is X?\n\n- It is A.\n- Why? It is B.\n\n## Why Y?\n\nBecause.\n", ["What is X?", "Why Y?"]),  # an answer
    ],
)
def test_follow_ups_under_a_numbered_or_heading_question_are_read_and_answers_are_not(bank, questions):
    from pipeline.external.markdown import read_bank

    assert [r["text"] for r in read_bank("# T\n\n" + bank, "auto").rows] == questions


def test_a_guide_before_the_heading_that_names_the_questions_is_not_read_and_a_bank_that_asks_there_is():
    from pipeline.external.markdown import read_bank

    guide = "".join(f"- Step {n}: gather the data\n" for n in range(8))
    prompts = "".join(f"- Design a recommender for shop {n}\n" for n in range(6))
    reading = read_bank(f"# Guide\n\n## The formula\n\n{guide}\n## Sample questions\n\n### Recommenders\n\n{prompts}", "auto")
    assert [r["text"] for r in reading.rows] == [f"Design a recommender for shop {n}" for n in range(6)]
    assert any(w.startswith("lines 5–12: 8 items before the heading that names the questions") for w in reading.warnings)
    asks = "".join(f"- What does step {n} do?\n" for n in range(8))  # questions before it are questions
    assert len(read_bank(f"# B\n\n## Python\n\n{asks}\n## SQL questions\n\n{prompts}", "auto").rows) == 14


def test_a_section_of_advice_holds_no_question_and_one_that_names_questions_does():
    from pipeline.external.markdown import read_bank

    asks = "".join(f"- What is case {n}?\n" for n in range(4))
    advice = "- Know the top five algorithms cold\n- Why this over that? Practise saying it\n"
    bank = f"# B\n\n## Models\n\n{asks}\n## How to prepare\n\n{advice}\n## 📚 面试技巧\n\n### 回答框架\n\n1. **原理**：说明工作机制\n"
    assert [r["text"] for r in read_bank(bank, "auto").rows] == [f"What is case {n}?" for n in range(4)]
    both = f"# B\n\n## Models\n\n{asks}\n## Tips and questions\n\n- Why does bagging help?\n"
    assert len(read_bank(both, "auto").rows) == 5


def test_front_matter_is_no_part_of_the_bank_and_the_lines_keep_their_numbers():
    from pipeline.external.markdown import read_bank, without_front_matter

    bank = "---\ntitle: Chapter 7\nlayout: single\n---\n# Bank\n\n## What is X?\n\nA.\n\n## Why Y?\n"
    assert [(r["source_line"], r["text"]) for r in read_bank(bank, "auto").rows] == [(7, "What is X?"), (11, "Why Y?")]
    assert without_front_matter("--- no\ntext") == "--- no\ntext" and without_front_matter("---\nopen") == "---\nopen"


def test_a_template_under_each_question_is_no_question():
    from pipeline.external.markdown import read_bank

    template = "### What the interviewer is evaluating\n\nDepth.\n\n### How to answer\n\nCalmly.\n\n"
    bank = "# B\n\n" + "".join(f"## {n}. Design a cache for service {n}\n\n{template}" for n in range(1, 4))
    assert [r["text"] for r in read_bank(bank, "auto").rows] == [f"Design a cache for service {n}" for n in range(1, 4)]
    topics = "# B\n\n" + "".join(f"## Topic {n}\n\n### What is a model?\n\nA.\n\n" for n in range(3))
    assert len(read_bank(topics, "auto").rows) == 3  # a question written again under other topics stays


def test_a_question_quoted_whole_is_read_without_its_quotes_and_a_bold_label_is_no_question():
    from pipeline.external.markdown import read_bank

    quoted = '# B\n\n## Scenario 1\n\n> "Walk me through a deployment."\n\n## Scenario 2\n\n> "How do you retrain?"\n'
    assert [r["text"] for r in read_bank(quoted, "auto").rows] == ["Walk me through a deployment.", "How do you retrain?"]
    labels = "# B\n\n**1. What is NER?**\n\nIt tags.\n\n**Why it is useful:**\n\nSearch.\n\n**2. What is POS tagging?**\n"
    assert [r["text"] for r in read_bank(labels, "auto").rows] == ["What is NER?", "What is POS tagging?"]


def test_a_list_pasted_as_text_is_read_and_a_code_block_is_not():
    from pipeline.external.markdown import read_bank

    log = "# 面试记录\n\n```text\n1.lora的参数是什么?\n2.deepspeed有什么用?\n```\n\n```python\n# What does this print?\nprint(1)\n```\n"
    assert [(r["source_line"], r["text"]) for r in read_bank(log, "auto").rows] == [
        (4, "lora的参数是什么?"),
        (5, "deepspeed有什么用?"),
    ]


def test_a_bank_of_japanese_exercises_under_title_headings_is_read_by_its_requests():
    from pipeline.external.markdown import read_bank

    bank = "# 第7章\n\n" + "".join(f"## {n}. 題 {n}\n\n単語 {n} のベクトルを計算せよ．\n\n" for n in range(60, 66))
    assert [r["text"] for r in read_bank(bank, "auto").rows] == [f"単語 {n} のベクトルを計算せよ." for n in range(60, 66)]


@pytest.mark.parametrize(
    "written, text",
    [
        ("Q3.1.5:windows下训练没有问题", "windows下训练没有问题"),  # a colon touching the text
        ("Q2.1.4 印章如何识别", "印章如何识别"),  # a dotted number, no separator
        ("Compare Gini vs Entropy. A:", "Compare Gini vs Entropy."),  # its answer below the label
        ('"Explain backpropagation" → Chain rule applied layer by layer.', "Explain backpropagation"),
        ("Interview Q: Why scale by the square root of d?", "Why scale by the square root of d?"),
        ("Q-learning: why off-policy?", "Q-learning: why off-policy?"),
    ],
)
def test_labels_and_answers_the_blind_banks_write(written, text):
    assert make_item(None, None, written, 1, []).text == text


def test_a_quiz_of_labelled_headings_is_read():
    from pipeline.external.markdown import read_bank

    quiz = "# 復習\n\n* y/n\n* 択一\n\n" + "".join(
        f"### 問{n}. 回帰は教師あり学習の {n} 番目である。(y/n)\n\ny\n\n" for n in range(1, 6)
    )
    assert [r["text"] for r in read_bank(quiz, "auto").rows] == [
        f"回帰は教師あり学習の {n} 番目である。(y/n)" for n in range(1, 6)
    ]


def test_an_answer_by_its_label_is_no_question_and_makes_the_bullet_over_it_one():
    from pipeline.external.markdown import read_bank

    bank = (
        "# B\n\n## Agents\n\n- What is an agent?\n    - Answer: [a video](v)\n- AI Agent Memory\n"
        "    - Answer: [AI Agent Memory](m)\n- Memory\n    - What is short-term memory?\n    - What is long-term memory?\n"
    )
    assert [r["text"] for r in read_bank(bank, "auto").rows] == [
        "What is an agent?",
        "AI Agent Memory",
        "What is short-term memory?",  # `Memory` is a topic over its questions
        "What is long-term memory?",
    ]


def test_the_documents_own_matters_hold_no_question():
    from pipeline.external.markdown import read_bank

    asks = "".join(f"### What is case {n}?\n\nA.\n\n" for n in range(3))
    bank = f"# FAQ\n\n{asks}## Contributing\n\n### Contributor License Agreement\n\nSign it.\n\n### Code Reviews\n\nAll.\n"
    assert [r["text"] for r in read_bank(bank, "auto").rows] == [f"What is case {n}?" for n in range(3)]


def test_a_bold_number_on_a_line_glued_to_the_last_starts_a_question():
    from pipeline.external.markdown import read_bank

    assert [r["text"] for r in read_bank("# T\n\n**1.** Explain X.\n**2.** Explain Y.\n", "auto").rows] == [
        "Explain X.",
        "Explain Y.",
    ]


@pytest.mark.parametrize("bank", ["- > What is X?\n- > Why Y?\n", "1. > What is X?\n2. > Why Y?\n"])
def test_a_list_item_that_quotes_its_question_is_read(bank):
    from pipeline.external.markdown import read_bank

    assert [r["text"] for r in read_bank("# T\n\n" + bank, "auto").rows] == ["What is X?", "Why Y?"]
