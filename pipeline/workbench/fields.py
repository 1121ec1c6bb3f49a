"""The text a page sends the workbench (a reviewer's name, a note), cleaned once on the way in. Pure.

Every field that reaches an editors' file passes here first, so the file never holds what would split its rows
(U+2028, U+2029: str.splitlines breaks there, csv does not), what a terminal or a page would act on (control
characters, bidirectional overrides: "Trojan source") or, in a name, what cannot be seen (a zero-width space makes
`ana` look like `ana`, a colleague). Refused with the reason, never changed in silence: the editor retypes it.
"""

import unicodedata

TEXT_LIMIT = 500
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # direction marks
SEPARATORS = ("Zl", "Zp")  # U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR
# refused in any field: controls (Cc), separators, lone surrogates (Cs: JSON can carry "\ud800", UTF-8 cannot)
REFUSED_EVERYWHERE = ("Cc", "Cs", *SEPARATORS)


class Unclean(ValueError):
    """A field the workbench does not write: the one line that says why."""


def _described(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def refused_char(text: str, is_name: bool) -> tuple[str, str] | None:
    """Return the first character of `text` a field may not hold, and why; None when it holds none."""
    for char in text:
        category = unicodedata.category(char)
        if category in SEPARATORS:
            return char, "a line or paragraph separator: a field is one line"
        if category in REFUSED_EVERYWHERE:
            return char, "a control character"
        if char in BIDI or char == "\ufeff":
            return char, "an invisible direction or byte-order mark"
        if is_name and category == "Cf":  # zero-width space, joiner, word joiner, soft hyphen…: a name shows all it holds
            return char, "an invisible character: a name must look like no one else's"
    return None


def cleaned(value, what: str, is_name: bool = False, required: bool = False) -> str:
    """Return a field as it goes into a file: NFC, stripped, a name's runs of spaces (no-break ones too) one space;
    Unclean with the reason for a non-text value, a refused character, a text over TEXT_LIMIT or a missing one."""
    if value is not None and not isinstance(value, str):
        raise Unclean(f"{what} must be text")
    text = unicodedata.normalize("NFC", value or "")
    found = refused_char(text, is_name)  # before strip: str.strip would remove a trailing U+2028 or U+001F unsaid
    if found:
        char, why = found
        raise Unclean(f"{what} holds {_described(char)}, {why}: type it without")
    text = " ".join(text.split()) if is_name else text.strip()  # a name: every Unicode space (NBSP, U+3000) one space
    if required and not text:
        raise Unclean(f"{what} is empty: type your name first")
    if len(text) > TEXT_LIMIT:
        raise Unclean(f"{what} is over {TEXT_LIMIT} characters")
    return text


def one_line(text: str) -> str:
    """Return a text the build holds (a question, a label) as one line a cell can carry: controls and separators each
    a space. It was read from the appendix, so it is written, never refused."""
    return "".join(" " if unicodedata.category(c) in REFUSED_EVERYWHERE else c for c in text)
