"""Domain exceptions that are not validation errors."""


class PreconditionFailed(Exception):
    """An edit named a version that is no longer current (HTTP 412). Nothing was changed."""

    def __init__(self, *, current_version: int, message: str | None = None) -> None:
        self.current_version = current_version
        super().__init__(
            message
            or f"This was changed by someone else (now version {current_version}); "
            "reload it and apply your change again."
        )
