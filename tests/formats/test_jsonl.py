"""The one JSON Lines line parser that annotation, spaCy and article imports share."""

from __future__ import annotations

import codecs
import sys

import pytest
from django.core.exceptions import ValidationError

from annotations.formats.jsonl import numbered_lines, parse_line, read_lines

DEEP = b"[" * 100_000 + b"]" * 100_000
LONG_NUMBER = b'{"start": ' + b"7" * (sys.get_int_max_str_digits() + 1) + b"}"


def messages(lines, **kwargs):
    return {
        number: (record.messages[0] if isinstance(record, ValidationError) else record)
        for number, record in read_lines(lines, **kwargs)
    }


def test_each_bad_line_is_reported_with_its_number_and_the_rest_goes_on():
    lines = [
        b'{"a": 1}\n',
        b"{oops\n",
        b"\n",
        b"   \r\n",
        b'["a", "list"]\n',
        b'{"a": "\xff"}\n',
        DEEP + b"\n",
        LONG_NUMBER + b"\n",
        b'{"b": 2, "zz": 3}\n',
        b'{"a": 4}',
    ]
    assert messages(lines, fields={"a"}) == {
        1: {"a": 1},
        2: "malformed JSON: Expecting property name enclosed in double quotes at column 2",
        5: "each line must be a JSON object",
        6: "not UTF-8 text (byte 7)",
        7: "JSON nested too deeply",
        8: f"a number has more than {sys.get_int_max_str_digits()} digits",
        9: "unknown fields b, zz",
        10: {"a": 4},
    }


def test_lines_over_the_bound_are_refused_as_bytes_and_as_text():
    small = '{"a": "' + "é" * 10 + '"}'  # 19 characters, 29 bytes of UTF-8
    assert parse_line(small, max_bytes=29) == {"a": "é" * 10}
    for line in (small, small.encode()):
        with pytest.raises(ValidationError, match="the line is over"):
            parse_line(line, max_bytes=28)


def test_the_message_says_what_the_line_must_be_and_bounds_unknown_names():
    with pytest.raises(ValidationError) as excinfo:
        parse_line(b"[]", expected="a JSON object with at least a 'text' field")
    assert excinfo.value.messages == [
        "each line must be a JSON object with at least a 'text' field"
    ]
    with pytest.raises(ValidationError) as excinfo:
        parse_line(b'{"' + b"x" * 1000 + b'": 1}', fields=())
    assert len(excinfo.value.messages[0]) == len("unknown field ") + 200


@pytest.mark.parametrize("first", [codecs.BOM_UTF8 + b'{"a": 1}\n', '\ufeff{"a": 1}\n'])
def test_a_utf8_byte_order_mark_before_the_first_line_is_dropped(first):
    assert messages([first, b'{"a": 2}']) == {1: {"a": 1}, 2: {"a": 2}}


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_a_utf16_file_is_refused_whole_naming_file(bom):
    with pytest.raises(ValidationError) as excinfo:
        list(numbered_lines([bom + b"{\x00}\x00\n"]))
    assert excinfo.value.message_dict == {"file": ["The file is UTF-16 text; save it as UTF-8."]}


def test_a_byte_order_mark_after_the_first_line_is_an_error_of_its_line():
    assert messages([b"\n", codecs.BOM_UTF8 + b"{}"]) == {
        2: "malformed JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1"
    }
