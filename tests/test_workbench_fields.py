"""What a page sends, cleaned once on the way in (#44): each field refused with its reason, or written as typed."""

import pytest

from pipeline.workbench.fields import Unclean, cleaned, one_line


@pytest.mark.parametrize(
    "value, is_name, refused",
    [
        ("see\u2028below", False, "U+2028 (LINE SEPARATOR), a line or paragraph separator"),  # split the file's rows
        ("see\u2029below", False, "U+2029"),
        ("ana\u2028", True, "U+2028"),  # a trailing one too: str.strip would have removed it from a name silently
        ("ana\x1b[31m", True, "U+001B, a control character"),
        ("a\x85b", False, "U+0085"),
        ("a\x00b", False, "U+0000"),
        ("a\tb", False, "U+0009"),
        ("a\ud800b", False, "U+D800"),  # a lone surrogate JSON can carry: UTF-8 cannot write it
        ("abc\u202edcba", False, "U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible direction"),  # Trojan source, in a note too
        ("a\ufeffb", False, "U+FEFF"),
        ("a\u200bna", True, "U+200B (ZERO WIDTH SPACE), an invisible character"),  # looks like ana, a colleague
        ("an\u200da", True, "U+200D"),
        ("an\u2060a", True, "U+2060"),
        ("\ufeffana", True, "U+FEFF"),
        ("an\u00ada", True, "U+00AD"),
        ("", True, "is empty"),
        ("x" * 501, False, "over 500"),
        (["ana"], True, "must be text"),
    ],
)
def test_a_field_with_what_would_split_a_row_or_hide_a_name_is_refused_with_the_reason(value, is_name, refused):
    with pytest.raises(Unclean, match=refused.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        cleaned(value, "reviewer" if is_name else "note", is_name=is_name, required=is_name)


@pytest.mark.parametrize(
    "value, is_name, written",
    [
        ("  ana  ", True, "ana"),
        ("ana\u00a0maria", True, "ana maria"),  # a no-break space looks like a space: it is one
        ("ana   maria", True, "ana maria"),
        ("Jose\u0301", True, "Jos\u00e9"),  # one way to write é (NFC), so two typings are one name
        ("@editor", True, "@editor"),  # written as typed: the file's cell is made safe for spreadsheets, not the name
        ("=1+1", True, "=1+1"),
        ("see below, \u05e9\u05dc\u05d5\u05dd", False, "see below, \u05e9\u05dc\u05d5\u05dd"),  # another script: fine
        ("a family \U0001f468\u200d\U0001f469\u200d\U0001f467", False, "a family \U0001f468\u200d\U0001f469\u200d\U0001f467"),
        (None, False, ""),
    ],
)
def test_a_field_is_written_as_typed_once_cleaned(value, is_name, written):
    assert cleaned(value, "reviewer" if is_name else "note", is_name=is_name) == written


def test_a_text_the_build_holds_is_written_on_one_line():
    assert one_line("What\u2028is\x1bthis?\u2029") == "What is this? "
