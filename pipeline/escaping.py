"""Text from the bank made safe for where it is shown: a terminal, a page, a Markdown comment. Pure.

Data comes from files nobody here wrote (the appendix, the editors' CSV files, other people's banks). Shown as it is,
an ESC sequence rewrites a terminal, a bidirectional override reorders what a reviewer reads, `<script>` runs in a
Markdown preview and `@someone` pings a stranger from a pull-request comment. Each function returns text that shows
the data as text, and nothing more.
"""

import re

# C0 and C1 controls and DEL (line feed and tab are layout, kept), and the bidirectional controls of "Trojan source".
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    r"""Return `text` with every control character written out (`\x1b`, `\x00`, `\u202e`); newlines and tabs kept."""
    return INVISIBLE.sub(_shown, text)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_MENTION = re.compile(r"@(?=\w)")


def markdown_text(value) -> str:
    """Return `value` as Markdown that renders as exactly its text: one line, no HTML, no markup, no @mention.

    `<`, `>` and `&` become entities (so `<script>` is text on GitHub and in any renderer), Markdown's punctuation
    is backslash-escaped (so a `|` cannot split a table cell, nor `**` or `[x](y)` format or link), and `@name`
    gets a zero-width space after the `@` (as Renovate does), so a comment never notifies anyone.
    """
    text = " ".join(visible("" if value is None else str(value)).splitlines())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@&#8203;", _MARKDOWN_SPECIAL.sub(r"\\\1", text))


def markdown_code(value) -> str:
    """Return `value` as a Markdown code span that renders as exactly its text: nothing inside is escaped (a code span
    shows a backslash as itself: `HEAD\\~1` would read so on GitHub), the fence is longer than any run of backticks in
    it, one line, control characters written out. A renderer escapes `<` in a code span, and links nothing."""
    text = " ".join(visible("" if value is None else str(value)).splitlines())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.strip()) else text
    return f"{fence}{padded}{fence}"
