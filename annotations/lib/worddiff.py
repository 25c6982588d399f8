"""A word diff between two texts, for showing what an edit changed.

Paragraphs (lines) are matched first and only the paragraphs that changed are compared word by
word, so that a long article costs little (``difflib``, the standard library's matcher). The
result is a list of segments ``(op, text)``, op being "equal", "insert" or "delete"; joining
the "equal" and "delete" texts gives the old text back, "equal" and "insert" the new one.
Rendering escapes the text: it is data, never markup.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = ["Segment", "word_diff"]

_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Segment:
    op: str  # "equal", "insert" or "delete"
    text: str


def _append(out: list[Segment], op: str, text: str) -> None:
    if not text:
        return
    if out and out[-1].op == op:
        out[-1] = Segment(op, out[-1].text + text)
    else:
        out.append(Segment(op, text))


def _words(old: str, new: str, out: list[Segment]) -> None:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(out, "equal", "".join(a[i1:i2]))
            continue
        _append(out, "delete", "".join(a[i1:i2]))
        _append(out, "insert", "".join(b[j1:j2]))


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``, word by word within changed paragraphs."""
    a, b = old.split("\n"), new.split("\n")
    out: list[Segment] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            _append(out, "equal", "\n".join(a[i1:i2]) + ("\n" if i2 < len(a) else ""))
        elif tag == "replace":
            _words("\n".join(a[i1:i2]), "\n".join(b[j1:j2]), out)
            _append(out, "equal", "\n" if i2 < len(a) and j2 < len(b) else "")
            if i2 < len(a) and j2 >= len(b):
                _append(out, "delete", "\n")
            elif j2 < len(b) and i2 >= len(a):
                _append(out, "insert", "\n")
        elif tag == "delete":
            _append(out, "delete", "\n".join(a[i1:i2]) + ("\n" if i2 < len(a) else ""))
            if i2 >= len(a) and i1 > 0:
                # the old text ended here: the newline before the deleted lines goes too
                _fix_trailing_newline(out, "delete")
        else:  # insert
            _append(out, "insert", "\n".join(b[j1:j2]) + ("\n" if j2 < len(b) else ""))
            if j2 >= len(b) and j1 > 0:
                _fix_trailing_newline(out, "insert")
    return out


def _fix_trailing_newline(out: list[Segment], op: str) -> None:
    """Lines removed (added) at the very end: the newline that separated them from the line
    before belongs to the removal (addition), not to the text both sides share."""
    last = out.pop()
    before = out[-1] if out else None
    if before is not None and before.op == "equal" and before.text.endswith("\n"):
        out[-1] = Segment("equal", before.text[:-1])
        if not out[-1].text:
            out.pop()
    _append(out, op, "\n" + last.text)
