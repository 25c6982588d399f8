"""Reading a file to import in chunks: lines with a bound, the refusals of a whole file."""

from __future__ import annotations

import io
import random
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile

from annotations.formats.files import (
    file_chunks,
    raw_chunks,
    split_lines,
    spooled,
    text_lines,
    text_pieces,
)


def test_lines_are_the_same_whatever_the_chunks():
    rng = random.Random(20261203)  # noqa: S311 - reproducible test data
    for _ in range(2000):
        data = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(0, 40)))
        size = rng.randint(1, 9)
        got = list(split_lines(raw_chunks(data, size=size)))
        # "\r\n" split across two chunks is one line end, not two.
        assert got == data.splitlines(keepends=True), (data, size)


def test_a_line_over_the_bound_is_cut_and_its_rest_skipped():
    data = b"short\n" + b"x" * 1000 + b"\r\n" + b"after\n"
    for size in (1, 7, 64, 4096):
        lines = list(split_lines(raw_chunks(data, size=size), max_line_bytes=10))
        assert lines == [b"short\n", b"x" * 11, b"after\n"], size


def test_one_endless_line_takes_memory_of_the_bound_not_of_the_file():
    def endless():
        for _ in range(200):  # 12.8 MB without a line end
            yield b"y" * 65536

    tracemalloc.start()
    try:
        lines = list(split_lines(endless(), max_line_bytes=1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == [b"y" * 1025]
    assert peak < 1_000_000


def test_an_upload_on_disk_is_read_in_chunks_from_its_start(settings):
    upload = TemporaryUploadedFile("a.jsonl", "application/octet-stream", 0, None)
    upload.write(b"a\n" * 100_000)
    chunks = list(raw_chunks(upload))  # from the start, though the write left it at the end
    assert b"".join(chunks) == b"a\n" * 100_000
    assert max(len(chunk) for chunk in chunks) == 64 * 1024
    upload.close()


class Trickle(io.BytesIO):
    """A pipe that gives at most ``size`` bytes a read."""

    def __init__(self, data: bytes, size: int) -> None:
        super().__init__(data)
        self.size = size

    def read(self, n: int | None = -1) -> bytes:
        return super().read(self.size)

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("size", [1, 2, 3, 64])
def test_the_byte_order_marks_are_read_across_chunks(size):
    utf8 = b"\xef\xbb\xbfstart,end\n"
    assert b"".join(file_chunks(Trickle(utf8, size), max_bytes=100)) == b"start,end\n"
    with pytest.raises(ValidationError, match="UTF-16"):
        list(file_chunks(Trickle("start".encode("utf-16"), size), max_bytes=100))
    assert b"".join(file_chunks(Trickle(b"ab", size), max_bytes=100)) == b"ab"
    with pytest.raises(ValidationError, match="binary"):
        list(file_chunks(Trickle(b"a\x00", size), max_bytes=100))


def test_a_binary_or_oversize_file_is_refused_where_it_shows():
    late_nul = b"a,b\n" * 50_000 + b"\x00"
    with pytest.raises(ValidationError) as excinfo:
        list(file_chunks(io.BytesIO(late_nul), max_bytes=10**7))
    assert excinfo.value.message_dict == {"file": ["This is a binary file, not text."]}
    with pytest.raises(ValidationError, match="larger than 1 MB"):
        list(file_chunks(io.BytesIO(b"x" * (2**20 + 1)), max_bytes=2**20))


def test_text_that_is_not_utf8_names_its_byte_from_the_start():
    data = "é\n".encode() * 40_000 + b"ok\xff\n"
    with pytest.raises(ValidationError, match=rf"\(byte {len(data) - 2}\)"):
        list(text_lines(split_lines(raw_chunks(data))))
    with pytest.raises(ValidationError, match=rf"\(byte {len(data) - 2}\)"):
        list(text_pieces(raw_chunks(data, size=7)))
    with pytest.raises(ValidationError, match=r"\(byte 2\)"):
        list(text_pieces([b"ab\xc3"]))  # cut short at the end


def test_a_character_across_two_chunks_is_decoded_whole():
    data = "👍🏽 quoted".encode()
    assert "".join(text_pieces(raw_chunks(data, size=1))) == "👍🏽 quoted"


def test_a_pipe_is_copied_to_be_read_twice():
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = io.BytesIO(b"line\n" * 30_000)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    copy = spooled(Pipe())
    assert b"".join(raw_chunks(copy)) == b"line\n" * 30_000
    assert b"".join(raw_chunks(copy)) == b"line\n" * 30_000
