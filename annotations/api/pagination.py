from typing import Any

from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes; ``?page_size=`` up to 1,000 (an article's worth)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"

    def decode_cursor(self, request: Request) -> Any:
        # DRF answers a malformed cursor with 404; it is bad input, so a 400 naming the field.
        try:
            return super().decode_cursor(request)
        except NotFound:
            message = "Not a cursor this API gave out; use a next or previous link."
            raise ValidationError({self.cursor_query_param: message}) from None
