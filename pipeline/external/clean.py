"""The text rules every layout shares: what a question's text is once read (NFKC-normalised, no markup, no
difficulty marker), whether an item reads as a question in the languages banks are written in, and its number. Pure.

Numbers are written `12.`, `12)`, `12:`, `Q12.`, and in Chinese and Japanese banks `12、` or `12．` (full-width), with or
without a space before a CJK question. Full-width punctuation (`？`, `：`, `（`) becomes its ASCII form (NFKC).
"""

import copy
import functools
import html.parser
import re
import unicodedata
from dataclasses import dataclass, field

QUESTION_MARKS = ("?", "？", "؟", "⸮")


# Openings of a question in the languages banks are written in (casefolded words): Spanish, German, French,
# Portuguese, Russian, Arabic; two-word openings where one word alone would also open a statement ("o que", "por que").
OTHER_OPENERS = frozenset(
    "qué que cómo como cuál cuáles cuándo cuánto cuántos dónde quién quiénes explica explique explicar describe describa compara compare "
    "define menciona nombra "
    "was warum wie wann welche welcher welches wer wo wozu weshalb wieso erkläre erklären erklären beschreibe beschreiben vergleiche "
    "vergleichen nenne nennen ist sind kann können gibt "
    "qu quel quelle quels quelles pourquoi comment quand où qui quoi expliquez explique décrivez décris comparez compare citez "
    "qual quais quando onde quem descreva explique compare cite "
    "что почему как какой какая какое какие каков зачем когда где кто чем объясните объясни опишите опиши сравните сравни назовите "
    "ما ماذا لماذا كيف متى أين هل".split()
)


OTHER_OPENING_PAIRS = frozenset(
    {"o que", "por que", "por qué", "para que", "para qué", "est ce"}
    # English noun phrases that ask to compare (`Difference between OOP and functional programming`, `Pros and cons of …`)
    | {"difference between", "differences between", "diff between", "pros and", "advantages and"}
)


# Chinese, Japanese and Korean write no spaces: interrogative words anywhere, request openings, question endings.
# Japanese 何 ("what") is no question inside Chinese 任何 ("any") or 几何 ("geometry"). Requests open with 简述
# ("outline"), 谈谈 ("talk about"), 列举 ("list"), 手写 ("write by hand"), …; "X 和 Y 的区别" asks the difference.
CJK_QUESTION = re.compile(
    "什么|什麼|为什么|為什麼|为何|為何|如何|怎么|怎麼|怎样|怎樣|哪些|哪个|哪個|是否|多少|^请|^請|^解释|^解釋|^描述|^比较|^比較|^说明|^說明|[吗嗎呢]$"
    "|^简述|^簡述|^谈谈|^談談|^讲讲|^講講|^说说|^說說|^列举|^列舉|^阐述|^闡述|^手写|^手寫|^简单介绍|^簡單介紹|的区别$|的區別$"
    "|なぜ|(?<![任几])何|どう|どの|どれ|いつ|誰|説明して|教えて|述べて|か$"
    "|무엇|왜|어떻게|언제|어느|누가|어디|까요?$|나요$|가요$|세요$|시오$"
)
# Endings and openings that ask or request, read where the text ends before a closing full stop or an aside
# (`설명해주세요.`, `…하는가.`): Korean requests (`해주세요`, `봅시다`, `하시오`), Japanese ones (`…を計算せよ．`,
# `…しなさい`), Chinese tasks (`设计一个…`, `实现…`, `推导…`, `用 NumPy 实现…`).
CJK_ENDING = re.compile(
    "(?:까요?|나요|가요|세요|시오|시다|니까|는가|은가|인가|을까|줘|해봐|せよ|なさい|ください|述べよ|示せ|答えよ)$"
    "|^(?:设计一个|设计一套|实现|推导|证明|写一个|写出|手撕|举例说明|对比|比较|分析一下|介绍一下)|^用[^。，,]{1,30}实现"
)
ASIDE_MAX = 80  # characters of a closing aside in parentheses
# A quiz item says how it is answered, at its end: `… (y/n)`, `(true/false)`, `(択一)`, `(穴埋め)`, `(单选)`.
QUIZ_FORMAT = re.compile(
    r"[(（](?:y/n|yes/no|t/f|true/false|true or false|択一|穴埋め|多肢選択|单选|多选|判断|选择|填空)[)）][ \t.。]*$",
    re.IGNORECASE,
)
# Vietnamese asks with words of its own, anywhere in the sentence (`… là gì`, `… như thế nào`), or opens a request
# (`Hãy giải thích …`, `Giải thích …`, `So sánh …`): casefolded, between word boundaries.
VI_QUESTION = re.compile(
    r"\b(?:là gì|như thế nào|thế nào|tại sao|vì sao|làm sao|ra sao|bao nhiêu|khác nhau)\b"
    r"|^(?:hãy|giải thích|mô tả|so sánh|trình bày|nêu|phân biệt|liệt kê)\b"
)


DIFFICULTY_WORDS = "easy|medium|hard|beginner|intermediate|advanced|expert|basic"


LEADING_DIFFICULTY = re.compile(rf"^\s*[\[(]\s*({DIFFICULTY_WORDS})\s*[\])]\s*[:\-–—]?\s*", re.IGNORECASE)


TRAILING_DIFFICULTY = re.compile(rf"(?<!\s)\s*+[\[(]\s*+({DIFFICULTY_WORDS})\s*+[\])]\s*+$", re.IGNORECASE)


DIFFICULTY_EMOJI = {"🟢": "easy", "🟡": "medium", "🟠": "medium", "🔴": "hard"}


EMOJI_DIFFICULTY = re.compile("^\\s*+([🟢🟡🟠🔴])\ufe0f?\\s*|(?<!\\s)\\s*+([🟢🟡🟠🔴])\ufe0f?\\s*+$")


OPENERS = frozenset(
    "what why how when which who whom whose where is are was were can could should would will do does did has have "
    "explain describe compare contrast design discuss define list name give walk estimate derive implement write "
    "outline suggest propose tell state summarize summarise evaluate analyze analyse identify provide illustrate "
    "differentiate distinguish elaborate mention justify calculate build create imagine suppose draw plot sketch "
    "prove solve find determine".split()
)


# `12. Q`, `12) Q`, `Q12: Q`; `12、Q` (Chinese, Japanese); `4.LoRA …`, `12.什么 …` (no space: a letter or a CJK character
# follows, never a digit: `3.5 billion` is no number). The text is NFKC-normalised first (`12．` is `12.`).
NUMBER = re.compile(r"^(?:Q\s*+)?(\d++)\s*+(?:[.):]\s++|、\s*+|[.):](?=[^\s\d]))(.*)$", re.IGNORECASE)
# A bold label that is only a number (`**Q6:** How …`, `**3.** Why …`): the question is the rest of the line.
NUMBER_LABEL = re.compile(r"^(?:Q\s*+)?#?\s*+\d++\s*+[.):、]?$", re.IGNORECASE)


# One rule for the labels banks write before each question (#46), cut from its text (NFKC first: `：` is `:`). Each
# alternative is a bounded run of distinct characters, so matching is linear (no nested quantifiers):
# - a word that says it is a question, with its number or alone: `Q: …`, `Q12 - …`, `Q0- …`, `Q 4.1: …`, `QX) …`,
#   `Question 6: …`, `P12: …` (Spanish *pregunta*), `Pregunta 3: …`, `问题1：…`, `質問2: …`, `질문 3. …`;
# - a letter or a small roman numeral in parentheses or before `)` / `.`: `(A) …`, `a) …`, `b. …`, `iii. …`;
# - an outline number `1.1`, `3.1.2` (followed by a capital or a CJK letter: `3.5 billion …` keeps its number);
# - a CJK numeral or a circled number: `一、…`, `①…`;
# - a bracketed difficulty letter `[E]`, `[M]`, `[H]` (its difficulty is kept: split_difficulty).
QUESTION_WORD = r"(?:(?:Interview[ \t])?Q|(?:Interview[ \t])?Question|Pregunta|Pergunta|Frage|问题?|問題?|题目|質問|질문)"
# `Q12 - `, `Q0- `, `问题1：`, `Q3.1.5:windows下…` (a colon may touch the text); never `Q-learning`
SEPARATOR = r"(?::[ \t]*|[.)\-–—]{1,3}(?![A-Za-z0-9])[ \t]*)"
# A paragraph that opens with a question label (`Q: What …?` / `A: It …`, `Question: …`, `问：…`): a question.
QUESTION_LABEL = re.compile(rf"^(?:{QUESTION_WORD}|问|問)[ \t]?(?:\d{{1,4}})?[ \t]?[.:)][ \t]*+(?=\S)", re.IGNORECASE)
LABEL = re.compile(
    rf"^(?:{QUESTION_WORD}[ \t]?(?:\d{{1,4}}(?:\.\d{{1,3}}){{0,3}}|X)[ \t]?{SEPARATOR}|{QUESTION_WORD}[ \t]?[:.][ \t]*(?=\S)"
    rf"|(?-i:P)\d{{1,4}}[ \t]?{SEPARATOR}"
    r"|\(?[a-zA-Z]\)[ \t]+|(?-i:[a-z]\.)[ \t]+"
    r"|\(?(?-i:i|ii|iii|iv|v|vi|vii|viii|ix|x|xi|xii)[.)][ \t]+"
    r"|\d{1,3}(?:\.\d{1,3}){1,3}\.?[ \t]+(?=(?-i:[A-Z])|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
    r"|[一二三四五六七八九十]{1,3}[、.][ \t]*|[\u2460-\u2473\u2776-\u277f][ \t]*"
    r"|[-*•][ \t]+|(?-i:[a-z]):[ \t]+"  # a bullet written inside a heading (`### - Why …`), `a: …`
    r"|\[[^\[\]?]{1,30}\][ \t]+"  # a tag in brackets (`[Google] …`, `[Meta, Amazon] …`) or a task box (`[ ] …`, `[x] …`)
    r"|\d{1,2}\ufe0f?\u20e3[ \t]*"  # a keycap number (`1️⃣ What …`)
    r"|(?-i:Q)\d{1,4}(?:\.\d{1,3}){0,3}[ \t]+(?=(?-i:[A-Z])|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]))",  # `Q1 What …`, `Q2.1.4 印章…`
    re.IGNORECASE,
)
# The headings and labels a bank writes around its questions, which ask nothing however they are placed: `Answer:`,
# `References`, `Solution`, `Table of contents` (casefolded, without closing punctuation; NFKC first).
SIGNPOSTS = frozenset(
    "answer answers ans solution solutions explanation explanations references reference resources summary conclusion "
    "contents notes note hint hints example examples output 答案 解答 解析 参考 参考资料 参考答案 回答 답변 정답 해설 참고 "
    "참고자료 解説 回答例 respuesta respuestas resposta respostas".split()
) | {"further reading", "table of contents", "key takeaways", "how to use this file", "how to use this guide"}
# A question a document asks about itself, in its introduction (`Who is this for?`, `What is in this repo?`, `How to
# use this guide`, `怎么用这份题库？`, `이 문서는 …`): casefolded; alternatives of literal words, so linear.
ABOUT_THE_DOCUMENT = re.compile(
    r"\bthis (?:guide|repo|repository|book|handbook|document|cheat ?sheet|collection|course|page|project|question bank)\b"
    r"|^who is (?:this|it) for\b|^how to (?:use|read|contribute)\b"
    r"|(?:本|这份|這份|这个|這個)(?:仓库|倉庫|项目|項目|文档|文檔|题库|題庫|指南|手册|手冊|书|書)|이 (?:문서|저장소|가이드)"
)
# A heading that says the bank's questions stand under it (casefolded): `ML System Design Sample Questions`, `Interview
# Q&A`, `FAQ`, `面试题`, `常见问题`, `질문`, `Preguntas`. Literal alternatives: linear.
NAMES_QUESTIONS = re.compile(
    r"\b(?:questions|question bank|q&as?|faqs?|preguntas|perguntas|fragen|вопросы)\b|面试题|面試題|题目|問題集|问题|질문|문제"
)
# A heading that says advice stands under it, not questions (casefolded): `How to Prepare`, `Interview tips`, `Common
# mistakes`, `面试技巧`, `答题技巧`, `面试建议`, `면접 팁`. Literal alternatives: linear.
GIVES_ADVICE = re.compile(
    r"\b(?:tips|tips and tricks|advice|how to prepare|preparation tips|common mistakes|mistakes to avoid|consejos|dicas)\b"
    r"|面试技巧|答题技巧|面试建议|面試技巧|回答框架|면접 ?팁|면접 ?준비"
)
# A heading over the document's own matters, never questions (casefolded, the whole heading): `Contributing`,
# `License`, `Acknowledgments`, `Citing`, `Changelog`, `贡献指南`.
DOCUMENT_MATTERS = re.compile(
    r"(?:contributing|contributions?|contributors|how to contribute|licen[cs]e|acknowledge?ments?|citing|citation|"
    r"changelog|credits|authors?|about the authors?|贡献|贡献指南|许可证|致谢|引用)$"
)
# An item that is an answer by its label: `Answer: …`, `Ans: …`, `A: …`, `答：…`, `答案：…`, `Respuesta: …`.
ANSWER_LABEL = re.compile(r"^(?:answer|ans|a|答|答案|回答|解答|respuesta|resposta|답변|답)[ \t]?:", re.IGNORECASE)
# A section that lists sources, not questions: its items are never questions (`## References` / `- Deep learning - LG`).
READING_LISTS = frozenset(
    "references reference resources sources links bibliography 참고 참고자료 참고문헌 参考 参考资料 参考文献 参考链接 出典".split()
) | {"further reading", "useful links", "see also"}
# A table of contents (`## 目录`, `## Contents`): an entry that asks is a question (a bank may list all its questions
# there and answer a few), an entry that asks nothing is a topic of the document, never a question.
CONTENTS = frozenset(
    "contents toc 目录 目錄 目次 목차 índice sumário inhaltsverzeichnis sommaire содержание оглавление".split()
) | {"table of contents"}
# An answer written after its question on one line, `Q: … A: …` (`**A**:`, `A：`): the question ends before it.
INLINE_ANSWER = re.compile(r"\s(?:A|Answer|答|回答)\s?:(?:\s|$)")  # `Q? A: …`, and `Q. A:` with the answer below
# A pointer after the question to where it is answered (`… 的区别？→ [Attention](docs/a.md)`, `… ? -> Notes`): the
# question ends before the arrow (a bounded tail: linear).
ARROW_TAIL = re.compile(r"(?<=[?.!。！？)])\s*(?:→|->|⇒|⟶)\s*[^→]{1,60}$")
# What a bank writes after the question's mark that is not the question: a pointer to its answer (`… ? [Answer](a.md)`,
# `… ? (solution)`, `… ? 👉 answer`, `… ？ 答案`) or where it was asked (`… ? (Asked at Google)`, `… ? — Meta`).
# It starts only after a question mark and is bounded: linear.
POINTER_TAIL = re.compile(
    r"(?<=[?？])[ \t]*+(?:[\[(（]?[ \t]*+(?:👉|→|->|⇒)?[ \t]*+(?:answers?|ans|solutions?|explanation|link|here|details|"
    r"read more|more|source|答案|解答|解析|题解|答え|정답|답변|respuesta|solución|resposta)[ \t]*+[\])）]?"
    r"|\((?:asked|seen|source|reported)\b[^()]{0,40}\)|[—–][ \t]*+[^?？—–]{1,30}"
    r"|\(\d{1,3}[ \t]?(?:points?|pts?|marks?|分)\)"  # its marks: `? (2 points)`
    r"|(?:[ \t]*+#[^\s#]{1,30}){1,5}"  # its tags: `? #ml #stats`
    r"|\{[#.][^{}]{1,60}\})$",  # a heading's attributes: `### What …? {#what}`
    re.IGNORECASE,
)
# A Markdown footnote reference (`… a scenario [^glassdoor-google]`): no word of the question.
FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,64}\]")
# A sub-question's enumerator on a line of its own inside a numbered item (`    i. What is …?`, `    b) Why …?`): a
# lower-case roman numeral or letter, never a word (`a. ` opens few sentences; `I.` is kept for headings).
SUB_LABEL = re.compile(r"^\(?(?:i{1,3}|iv|v|vi{1,3}|ix|x|[a-h])[.)][ \t]+\S")
LETTER_DIFFICULTY = re.compile(r"^\[(E|M|H)\][ \t]*+|(?<![ \t])[ \t]*+\[(E|M|H)\]$")  # a run starts once: linear
TOPIC_MAX, TOPIC_WORDS = 40, 4  # characters and words of a topic label before a question (`LangGraph: …`)
CIRCLED = re.compile(r"^[\u2460-\u2473\u2776-\u277f][ \t]*")  # `① …`, `❶ …`: a label NFKC would make `1 …`
# A text quoted whole (`"How do you …?"`, `“…”`, `「…」`): one run between the quotes, which holds none: linear.
QUOTED_WHOLE = re.compile('^["“«「『]([^"“”«»「」『』]{1,2000})["”»」』]$')
# A quoted question, then its answer after an arrow or a dash (`"Explain backpropagation" → Chain rule …`).
QUOTED_LEAD = re.compile('^["“«「『]([^"“”«»「」『』]{1,500})["”»」』][ \t]*+(?:→|->|⇒|⟶|—|–)')
LETTER_LEVELS = {"E": "easy", "M": "medium", "H": "hard"}


# A paragraph enumerated by a lower-case letter: `a. …`, `b) …`, `(c) …`, `e.为什么…` (no space before a CJK letter).
LETTER_ENUM = re.compile(r"^\(?([a-z])[.)](?![a-z]\.)[ \t]*+(?=[^\s\d])(.+)$")


NUMBER_CELL = re.compile(r"^(?:Q\s*+)?#?\s*+(\d++)[.)]?$", re.IGNORECASE)


# Every pattern here is linear in its text (#44): a run that two quantifiers could share is taken by one, possessively
# (`*+`, `++`: never given back), and a pattern that may start anywhere but must end at `$` or at a boundary starts
# only where its run starts (a lookbehind), not again at every character of it. Same matches as before, no backtracking.
SYMBOL = r"[\s\u2000-\u2bff\U0001F000-\U0001FFFF\ufe0f\u200d*_]"
TRAILING_SYMBOLS = re.compile(rf"(?<!{SYMBOL}){SYMBOL}++$")
# Pictographs before a question (`🪤 为什么需要 Warmup？`, `💡 What is …?`): emoji and dingbats, not the circled numbers a
# label is (`①`, `❶`: LABEL), nor arrows or marks. Anchored at the start: linear.
LEADING_PICTOGRAPHS = re.compile(
    "^(?:(?:[\U0001f000-\U0001ffff\u2600-\u2775\u2794-\u27bf\u2b50-\u2b55\ufe0f\u200d]|:[a-z0-9_+-]{1,30}:)[ \t]*+)++"
)  # and GitHub's shortcodes (`:question: What …`)


STRAY_MARKERS = re.compile(r"(?<![\w*])[*_]{2,}|(?<![*_])[*_]{2,}+(?![\w*])")


# A source in square brackets after the question (`… ? [[src](url)]` leaves `[src]`, `… ? [Google]`); an aside in
# parentheses (`… ? (In Serverless)`) is the question's own.
SOURCE_TAIL = re.compile(r"(?<=[?.!:])\s*+\[\s*+[\[(]?[^\[\]()]{0,30}[\])]?\s*+\]$")


@dataclass
class Item:
    """One question read from a bank."""

    section: str | None
    number: int | None
    text: str
    source_line: int
    links: list = field(default_factory=list)
    difficulty: str | None = None


def split_difficulty(text: str) -> tuple[str, str | None]:
    """Return (text without its difficulty marker, the difficulty): `[HARD] Q`, `Q (Easy)`, `Q 🔴`, `[H] Q` → `Q`, hard,
    easy, hard, hard."""
    match = LETTER_DIFFICULTY.search(text)
    if match:
        return (text[: match.start()] + text[match.end() :]).strip(), LETTER_LEVELS[(match.group(1) or match.group(2)).upper()]
    for pattern in (LEADING_DIFFICULTY, TRAILING_DIFFICULTY):
        match = pattern.search(text)
        if match:
            return (text[: match.start()] + text[match.end() :]).strip(), match.group(1).lower()
    match = EMOJI_DIFFICULTY.search(text)
    if match:
        return (text[: match.start()] + text[match.end() :]).strip(), DIFFICULTY_EMOJI[match.group(1) or match.group(2)]
    return text, None


def is_label(text: str) -> bool:
    """Return whether a text is only a label (`Q:`, `Q6.`, `Question 3:`, `P1:`, `问题1：`): a bold span that labels the
    question after it. Pure."""
    text = unicodedata.normalize("NFKC", text).strip()
    match = LABEL.match(text + " x")
    return bool(text) and (bool(NUMBER_LABEL.match(text)) or (match is not None and match.end() == len(text) + 1))


def unlabelled(text: str) -> str:
    """Return `text` without the labels written before it (`[M] Q12 - …`: both), by the one LABEL rule, and without
    a topic written before it as a label (`LangGraph: why …?`, `计算题3：如何…？`). Pure."""
    for _ in range(3):
        cut = LABEL.sub("", text, count=1)
        if cut == text or not worded(cut):  # a text that is only a label (`Q1.`) keeps it: it is no question
            break
        text = cut
    return untopical(text)


def untopical(text: str) -> str:
    """Return `text` without a topic label before it: a short head (at most 40 characters, 4 words) ending in a colon,
    that asks nothing itself, before a text that asks and opens with a capital or a letter without case (`Spring AI /
    Java AI: Spring AI 相比 … 有什么收益？` → the question; `Interlude: comparing metrics`, `What is X: a definition?` and
    `You are comparing two models: … How do you decide?` keep theirs). Pure."""
    head, colon, rest = text.partition(":")
    if not colon or len(head) > TOPIC_MAX or "?" in head:
        return text
    if len(re.findall(r"[^\W_]+", head)) > TOPIC_WORDS or looks_like_question(head):
        return text
    rest = rest.strip()
    return rest if rest and not rest[0].islower() and looks_like_question(rest) else text


def make_item(section: str | None, number: int | None, body: str, line: int, links: list) -> Item:
    """Return an Item from a question's raw text: NFKC-normalised, its difficulty marker moved out, then cleaned, and
    the labels before it (`Q:`, `Q12 -`, `P1:`, `(a)`, `1.1`, `一、`, `①`, `[E]`) cut (a circled number before NFKC,
    which makes it a bare digit)."""
    body = CIRCLED.sub("", " ".join(body.split()))
    text, difficulty = split_difficulty(unicodedata.normalize("NFKC", body))
    text = unlabelled(clean(text))
    quoted = QUOTED_WHOLE.match(text) or QUOTED_LEAD.match(text)
    if quoted:  # `"How do you handle cold-start?"`, `"Explain backprop" → Chain rule …`: the question an interviewer says
        text = quoted.group(1).strip()
    answer = INLINE_ANSWER.search(text)
    if answer and looks_like_question(text[: answer.start()]):  # `Q: Why …? A: Because …`: the question
        text = text[: answer.start()].strip()
    if difficulty is None:  # a difficulty letter after a label: `Q3 [M] …`
        text, difficulty = split_difficulty(text)
    return Item(section, number, text, line, links, difficulty)


class _TextOnly(html.parser.HTMLParser):
    """Collect the text of an HTML fragment (tags dropped, entities decoded), and the links' targets."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.links = [], []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith("#"):
            self.links.append(href)

    def handle_data(self, data):
        self.parts.append(data)


@functools.lru_cache(maxsize=1 << 12)  # asked of every item of every layout, of a few sections
def section_name(section: str | None) -> str:
    """Return what a section's heading calls it, as the lists of kinds of section spell it: case-folded, without its
    number, label or closing punctuation (`3. Further reading:` → `further reading`); empty for none. Pure."""
    return numbered(unlabelled(section.casefold().rstrip(" :.!-–—").strip()))[1] if section else ""


def is_reading_list(section: str | None) -> bool:
    """Return whether a section (its heading's text) lists sources (`References`, `参考资料`): no question stands in it."""
    return section_name(section) in READING_LISTS


def is_topic_entry(section: str | None, text: str) -> bool:
    """Return whether an item is an entry of a table of contents (its section `Contents`, `目录`) that asks nothing."""
    return is_contents(section) and not looks_like_question(text)


def is_contents(section: str | None) -> bool:
    """Return whether a section (its heading's text) is a table of contents (`Contents`, `目录`, `목차`)."""
    return section_name(section) in CONTENTS


def names_questions(heading: str) -> bool:
    """Return whether a heading says the questions stand under it (`Sample Questions`, `面试题`, `질문 목록`)."""
    return bool(NAMES_QUESTIONS.search(heading.casefold()))


def gives_advice(heading: str) -> bool:
    """Return whether a heading says advice stands under it, not questions (`How to prepare`, `Tips`, `面试技巧`), or
    the document's own matters (`Contributing`, `License`, `Acknowledgments`, `Citing`)."""
    return bool(GIVES_ADVICE.search(heading.casefold()) or DOCUMENT_MATTERS.match(heading.casefold().strip(" #:.")))


def is_answer(text: str) -> bool:
    """Return whether an item is an answer by its label (`Answer: [AI Agent Memory](…)`, `A: …`, `答：…`): never a
    question, whatever it says. Pure."""
    return bool(ANSWER_LABEL.match(unicodedata.normalize("NFKC", text)))


def is_signpost(text: str) -> bool:
    """Return whether an item is a heading or label that asks nothing wherever it stands (`Answer:`, `References`), or
    a question about the document itself (`Who is this for?`, `How to use this guide`, `怎么用这份题库？`)."""
    return text.casefold().rstrip(" :.!-–—").strip() in SIGNPOSTS or bool(ABOUT_THE_DOCUMENT.search(text.casefold()))


class HtmlRun:
    """HTML fragments fed one after another (the tags of a line): `feed` returns the text and links of all fed so far,
    as one parser fed their concatenation and closed reads them. The parser keeps its state between fragments and a copy of it
    is closed to answer, so a run of n tags is parsed once, not again from its start at every tag (quadratic: 2,000
    `<b>` in a line took 12 s)."""

    def __init__(self):
        self.parser = _TextOnly()

    def feed(self, fragment: str) -> tuple[str, list[str]]:
        self.parser.feed(fragment)
        closed = copy.copy(self.parser)
        closed.parts, closed.links = list(self.parser.parts), list(self.parser.links)
        closed.close()
        return "".join(closed.parts), closed.links


def clean(text: str) -> str:
    """Return `text` NFKC-normalised, white space folded, stray emphasis markers, footnote references, pictographs
    before it, trailing emoji or symbols, and what follows its question mark that is no part of it removed."""
    text = STRAY_MARKERS.sub("", " ".join(FOOTNOTE.sub("", unicodedata.normalize("NFKC", text)).split()))
    text = TRAILING_SYMBOLS.sub("", text).strip() if text else text
    if text and (text[0] == ":" or ord(text[0]) >= 0x2600):  # most texts open with a letter: no pattern run
        text = LEADING_PICTOGRAPHS.sub("", text).strip()
    text = ARROW_TAIL.sub("", SOURCE_TAIL.sub("", text).strip()).strip()
    return POINTER_TAIL.sub("", text).strip() if "?" in text or "？" in text else text


def requests(text: str) -> bool:
    """Return whether a text ends as a request does in Korean or Japanese, or opens as a Chinese task does (`…せよ．`,
    `…알려주세요.`, `设计一个…`): a strong cue, as a question mark is. Pure."""
    return bool(CJK_ENDING.search(without_aside(text).rstrip(" \t*_.!。！~．")))


@functools.lru_cache(maxsize=1 << 16)  # the same items are weighed by every layout, part and check: asked once
def looks_like_question(text: str) -> bool:
    """Return whether an item reads as a question, in any of the languages banks are written in.

    It ends with a question mark (`?`, `？`, `؟`) or holds `¿`, or opens with an interrogative or imperative word
    (English, Spanish, German, French, Portuguese, Russian, Arabic), or, in Chinese, Japanese or Korean, holds an
    interrogative word or ends as a question does.
    """
    stripped = text.rstrip(" \t*_)\"'”’」』")
    if stripped.endswith(QUESTION_MARKS) or "¿" in text:
        return True
    words = re.findall(r"[^\W\d_]+", text.casefold())
    if words and (words[0] in OPENERS or words[0] in OTHER_OPENERS or " ".join(words[:2]) in OTHER_OPENING_PAIRS):
        return True
    if CJK_QUESTION.search(stripped) or requests(text) or QUIZ_FORMAT.search(text):
        return True
    return bool(VI_QUESTION.search(text.casefold()))


def without_aside(text: str) -> str:
    """Return `text` without the aside in parentheses that closes it (`… 알려주세요. (Sigmoid, ReLU 등)`): a question's
    ending is read before it. Pure."""
    text = text.rstrip()
    start = text.rfind("(") if text.endswith(")") else -1
    return text[:start].rstrip() if 0 < start and len(text) - start <= ASIDE_MAX else text


def numbered(text: str) -> tuple[int | None, str]:
    """Return (the number a question is written with, its text without it), or (None, the text)."""
    match = NUMBER.match(unicodedata.normalize("NFKC", text))
    return (int(match.group(1)), match.group(2).strip()) if match else (None, text)


def lettered(text: str) -> tuple[int | None, str]:
    """Return (the letter's place in the alphabet, the text without it) of a paragraph that a bank enumerates by
    letters (`a. Self-Attention的表达式`, `c.self-attention一定要这样表达吗？`, `b) Why …`), or (None, the text); `e.g.`
    and `i.e.` open sentences, not enumerations. Pure."""
    match = LETTER_ENUM.match(unicodedata.normalize("NFKC", text))
    return (ord(match.group(1)) - ord("a") + 1, match.group(2).strip()) if match else (None, text)


def worded(text: str) -> bool:
    """Return whether a text holds a letter or a digit in any script (`...` and `—`, placeholders, hold none)."""
    return any(ch.isalnum() for ch in text)


def question_share(texts: list[str]) -> float:
    """Return the share of texts that look like questions (0.0 for none: reading nothing is no evidence)."""
    return sum(map(looks_like_question, texts)) / len(texts) if texts else 0.0


def described(items: list[Item]) -> str:
    """Return what a layout read, in words: `12 items, 11 look like questions (92%)`, or `no items`."""
    if not items:
        return "no items"
    asked = sum(looks_like_question(i.text) for i in items)
    looks = "1 looks like a question" if asked == 1 else f"{asked} look like questions"
    return f"{len(items)} item{'s' * (len(items) != 1)}, {looks} ({asked / len(items):.0%})"
