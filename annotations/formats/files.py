"""What every import refuses before it reads a format: a file too large, UTF-16 text, a binary
file, text that is not UTF-8. Each refusal is a ValidationError naming ``file``."""

from __future__ import annotations

import codecs
from typing import IO, Any

from django.core.exceptions import ValidationError


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def read_bytes(stream: IO[bytes] | IO[str] | bytes | str, *, max_bytes: int) -> bytes:
    """The file's content as bytes, without a UTF-8 byte-order mark, reading at most one byte
    more than ``max_bytes``."""
    data: Any = stream if isinstance(stream, bytes | str) else stream.read(max_bytes + 1)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if not isinstance(data, bytes):
        raise file_error("Give the file's content.")
    if len(data) > max_bytes:
        raise file_error(f"The file is larger than {max_bytes // 2**20} MB.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error("The file is UTF-16 text; save it as UTF-8.")
    data = data.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in data:
        raise file_error("This is a binary file, not text.")
    return data


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise file_error(f"The file is not UTF-8 text (byte {exc.start}).") from None
