"""Reading a file to import in pieces, and what every import refuses before it reads a format:
a file too large, UTF-16 text, a binary file, text that is not UTF-8. Each refusal is a
ValidationError naming ``file``.

A file is never read whole: ``file_chunks`` reads it ``CHUNK_BYTES`` at a time (a Django upload
past ``FILE_UPLOAD_MAX_MEMORY_SIZE`` is on disk), ``split_lines`` cuts the chunks into lines
with a bound on each line, so an import's memory stays flat in the size of the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.core.exceptions import ValidationError

CHUNK_BYTES = 64 * 1024

# What an import reads: a file object (an upload, an open file, standard input), its content,
# or (in tests and scripts) an iterable of byte chunks.
Source = IO[bytes] | IO[str] | bytes | str


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def _as_bytes(piece: Any) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8", "surrogatepass")
    if isinstance(piece, bytes | bytearray | memoryview):
        return bytes(piece)
    raise file_error("Give the file's content.")


def raw_chunks(source: Source, *, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The file's bytes, ``size`` at a time (from its start, if it can seek)."""
    if isinstance(source, bytes | str):
        data = _as_bytes(source)
        for start in range(0, len(data), size):
            yield data[start : start + size]
        return
    if not hasattr(source, "read"):
        raise file_error("Give the file's content.")
    if getattr(source, "seekable", lambda: False)():
        source.seek(0)
    while piece := source.read(size):
        yield _as_bytes(piece)


def file_chunks(source: Source, *, max_bytes: int, text: bool = True) -> Iterator[bytes]:
    """The file's bytes in chunks, without a UTF-8 byte-order mark; a ValidationError naming
    ``file`` as soon as the file proves larger than ``max_bytes``, UTF-16 text, or (with
    ``text``) binary: a NUL byte anywhere."""
    total = 0
    head = b""
    started = False
    for chunk in raw_chunks(source):
        total += len(chunk)
        if total > max_bytes:
            raise file_error(f"The file is larger than {max_bytes // 2**20} MB.")
        if not started:
            # The first three bytes decide the encoding; a pipe may give fewer at a time.
            head += chunk
            if len(head) < 3:
                continue
            chunk, started = _check_head(head), True
        if text and b"\x00" in chunk:
            raise file_error("This is a binary file, not text.")
        if chunk:
            yield chunk
    if not started and head:
        chunk = _check_head(head)
        if text and b"\x00" in chunk:
            raise file_error("This is a binary file, not text.")
        if chunk:
            yield chunk


def _check_head(head: bytes) -> bytes:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error("The file is UTF-16 text; save it as UTF-8.")
    return head.removeprefix(codecs.BOM_UTF8)


def split_lines(chunks: Iterable[bytes], *, max_line_bytes: int | None = None) -> Iterator[bytes]:
    """The lines of chunked bytes, each with its ending (``\\n``, ``\\r\\n`` or a lone ``\\r``).

    A line longer than ``max_line_bytes`` comes cut to ``max_line_bytes + 1`` bytes (so that
    it still reads as too long) and the rest of it is skipped: memory stays within a chunk and
    a line, however long the line.
    """
    pending = b""
    skipping: bytes | None = None  # the cut head of an overlong line, while its rest is skipped
    for chunk in chunks:
        lines = (pending + chunk).splitlines(keepends=True)
        pending = b""
        if lines and (not lines[-1].endswith((b"\n", b"\r")) or lines[-1].endswith(b"\r")):
            # An unfinished line, or a "\r" whose "\n" may come in the next chunk.
            pending = lines.pop()
        for line in lines:
            if skipping is not None:
                line, skipping = skipping, None
            elif max_line_bytes is not None and len(line) > max_line_bytes:
                line = line[: max_line_bytes + 1]
            yield line
        if max_line_bytes is not None and len(pending) > max_line_bytes:
            if skipping is None:
                skipping = pending[: max_line_bytes + 1]
            # Keep a trailing "\r": it may end the line together with the next chunk's "\n".
            pending = b"\r" if pending.endswith(b"\r") else b""
    if skipping is not None:
        yield skipping
    elif pending:
        yield pending


def text_lines(lines: Iterable[bytes]) -> Iterator[str]:
    """Lines of UTF-8 bytes as text; a ValidationError naming ``file`` at the first byte that
    is not UTF-8 (counted from the start of the file, after any byte-order mark)."""
    offset = 0
    for line in lines:
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise file_error(f"The file is not UTF-8 text (byte {offset + exc.start}).") from None
        offset += len(line)


def text_pieces(chunks: Iterable[bytes]) -> Iterator[str]:
    """Chunks of UTF-8 bytes as text, decoded incrementally (a character may straddle two
    chunks); a ValidationError naming ``file`` at the first byte that is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes fed to the decoder before this chunk
    for chunk in chunks:
        held = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = offset - held + exc.start
            raise file_error(f"The file is not UTF-8 text (byte {at}).") from None
        offset += len(chunk)
        if text:
            yield text
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        at = offset - len(exc.object) + exc.start
        raise file_error(f"The file is not UTF-8 text (byte {at}).") from None


def spooled(source: Source) -> Source:
    """A source that can be read more than once: standard input is copied to a temporary file
    (in memory up to a chunk's size, then on disk)."""
    if isinstance(source, bytes | str) or getattr(source, "seekable", lambda: False)():
        return source
    from tempfile import SpooledTemporaryFile

    copy: IO[bytes] = SpooledTemporaryFile(max_size=CHUNK_BYTES)  # noqa: SIM115 - returned open
    for chunk in raw_chunks(source):
        copy.write(chunk)
    copy.seek(0)
    return copy
