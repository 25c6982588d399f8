"""Reads that the pages, the API and the commands share, each built on ``visible_to(user)``.

``querysets.py`` holds the per-model ``visible_to()`` rules; the modules here compose them into
the lists and lookups the surfaces show: ``annotations`` (the reader's and the API's lists),
``articles``, ``entities``, ``events`` (what a live reader may hear of) and ``oversight``
(review queue, dashboard, agreement). Nothing here writes, and nothing here imports from
``annotations.api`` or ``annotations.views``.
"""
