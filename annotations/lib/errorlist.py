"""An import's error list with a bound: the first errors of a file by position, and how many
there were in all (as Django bounds DATA_UPLOAD_MAX_NUMBER_FIELDS). A file of a million bad
lines then answers with a hundred messages and a count, in constant memory."""

from __future__ import annotations

from typing import Any

MAX_REPORTED_ERRORS = 100


class ErrorList:
    """Errors at positions of a file (rows, lines, items), of which the first ``limit`` by
    position are kept, in the order they were added within a position; ``count`` counts them
    all."""

    def __init__(self, position: str, *, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.position = position
        self.limit = limit
        self.count = 0
        self._kept: list[tuple[int, int, str]] = []

    def add(self, at: int, message: str) -> None:
        self.count += 1
        self._kept.append((at, self.count, message))
        if len(self._kept) >= 2 * self.limit:  # trimmed in batches: sorting is rare
            self._kept.sort()
            del self._kept[self.limit :]

    @property
    def truncated(self) -> bool:
        """Whether errors were left out of ``first()``."""
        return self.count > self.limit

    def first(self) -> list[dict[str, Any]]:
        """The first ``limit`` errors, as ``{position: n, "message": ...}``, by position."""
        return [
            {self.position: at, "message": message}
            for at, _, message in sorted(self._kept)[: self.limit]
        ]

    def summary(self) -> dict[str, Any]:
        """What a report says of its errors: ``errors``, ``error_count``, ``errors_truncated``."""
        return {
            "errors": self.first(),
            "error_count": self.count,
            "errors_truncated": self.truncated,
        }


class ErrorReporting:
    """For an import's report that keeps its errors in an ``error_list`` (an ``ErrorList``):
    ``error()`` to add one, and ``errors`` / ``error_count`` to read them."""

    error_list: ErrorList

    def error(self, at: int, message: str) -> None:
        self.error_list.add(at, message)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.error_list.first()

    @property
    def error_count(self) -> int:
        return self.error_list.count
