"""The search index: one row per searchable object, kept by ``services/search_index.py``.

The row holds the object's words, not its permissions: every search joins back to the live
object through ``visible_to(user)``, so the trash, private notes, blind work and other teams
are filtered by the same rules as every other read, whatever the index holds.

Engines (``selectors/search.py``):

* PostgreSQL: ``vector`` (a ``tsvector`` built with the text search configuration of the
  article's language) under a GIN index, ``pg_trgm`` on ``title`` for fuzzy names.
* SQLite: the FTS5 table ``annotations_search_fts`` (external content: this table), kept by
  triggers; ``vector`` stays empty.

Both indexes are made by migration 0010 for their engine only.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from annotations.models.articles import Article
from annotations.models.teams import Team


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", "Article"
        ANNOTATION = "annotation", "Annotation"
        REPLY = "reply", "Reply"
        REVIEW = "review", "Review note"
        ENTITY = "entity", "Entity"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # The article the object belongs to (none for entities): deleting it removes the rows.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="")
    # PostgreSQL text search configuration for the object's language ("english", "simple" ...).
    config = models.CharField(max_length=32, default="simple")
    vector = SearchVectorField(null=True, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique"),
        ]
        indexes = [models.Index(fields=["team", "kind"], name="search_entry_team_kind")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
