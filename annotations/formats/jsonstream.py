"""A JSON document read in pieces: its outer objects and arrays walked member by member, each
member's value decoded with the standard library's decoder when it is reached.

The JSON-LD import (``jsonld.read_jsonld``) walks a collection this way, so that a page of a
million items is read an item at a time and never held whole. Errors are ``JsonError``, with
the line and column of the document as ``json.JSONDecodeError`` gives them; a value nested too
deeply raises RecursionError and an integer longer than Python converts ValueError, as
``json.loads`` does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

# A failure this close to the end of what has been read may be a value cut by the end of a
# piece ("tru", "1.", "\u12"): read on before calling it malformed.
_NEAR_END = 16
_WHITESPACE = " \t\n\r"


class JsonError(Exception):
    def __init__(self, msg: str, lineno: int, colno: int) -> None:
        super().__init__(f"{msg}: line {lineno} column {colno}")
        self.msg, self.lineno, self.colno = msg, lineno, colno


class JsonReader:
    """A cursor over a JSON text given as pieces of text (``files.text_pieces``)."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self._pieces = iter(pieces)
        self._decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._lines = 0  # newlines in the text already dropped from the buffer
        self._column = 0  # characters since the last of them

    # --- the buffer ---

    def _more(self, *, grow: bool = False) -> bool:
        """Drop what has been read and append the next piece (with ``grow``, as much text as
        the buffer holds, so that a long value is decoded a bounded number of times); False at
        the end of the document."""
        if self.pos:
            done = self.buf[: self.pos]
            newlines = done.count("\n")
            if newlines:
                self._lines += newlines
                self._column = len(done) - done.rindex("\n") - 1
            else:
                self._column += len(done)
            self.buf, self.pos = self.buf[self.pos :], 0
        wanted = max(len(self.buf), 1) if grow else 1
        added = 0
        while added < wanted:
            piece = next(self._pieces, None)
            if piece is None:
                self.eof = True
                break
            self.buf += piece
            added += len(piece)
        return added > 0

    def error(self, msg: str, pos: int | None = None) -> JsonError:
        pos = self.pos if pos is None else pos
        newlines = self.buf.count("\n", 0, pos)
        if newlines:
            return JsonError(msg, self._lines + newlines + 1, pos - self.buf.rindex("\n", 0, pos))
        return JsonError(msg, self._lines + 1, self._column + pos + 1)

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the document)."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _take(self, char: str, msg: str) -> None:
        if self.peek() != char:
            raise self.error(msg)
        self.pos += 1

    # --- values ---

    def value(self) -> Any:
        """The next JSON value, decoded whole."""
        if not self.peek():
            raise self.error("Expecting value")
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or (
                    exc.pos >= len(self.buf) - _NEAR_END
                )
                at = exc.pos - self.pos  # from the value's start, which _more may move
                if cut and not self.eof and self._more(grow=True):
                    continue
                raise self.error(exc.msg, self.pos + at) from None
            if end >= len(self.buf) and not self.eof and self._more(grow=True):
                continue  # a number may go on in the next piece
            self.pos = end
            return value

    def members(self) -> Iterator[str]:
        """An object's keys, one at a time; the caller reads each key's value (``value`` or
        a walk of its own) before asking for the next key."""
        self._take("{", "Expecting value")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self.error("Expecting property name enclosed in double quotes")
            key = self.value()
            self._take(":", "Expecting ':' delimiter")
            yield key
            if self.peek() == ",":
                self.pos += 1
                continue
            self._take("}", "Expecting ',' delimiter")
            return

    def elements(self) -> Iterator[int]:
        """An array's positions (from 1), one at a time; the caller reads each element."""
        self._take("[", "Expecting value")
        if self.peek() == "]":
            self.pos += 1
            return
        number = 0
        while True:
            number += 1
            yield number
            if self.peek() == ",":
                self.pos += 1
                continue
            self._take("]", "Expecting ',' delimiter")
            return

    def end(self) -> None:
        """Nothing but whitespace may follow the document."""
        if self.peek():
            raise self.error("Extra data")
