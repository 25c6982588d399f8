from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Stable pages under concurrent writes; ``?page_size=`` up to 1,000 (an article's worth)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
