"""NewsNotes data model, one module per area: ``teams``, ``articles``, ``entities``,
``annotations``, ``notes`` (page notes, reading marks), ``activity`` and ``tokens``;
``limits`` holds the bounds they share.

Every offset in these modules (``Mention.start``, ``Annotation.start`` ...) is a Unicode code
point index into ``Article.text`` -- a Python ``str`` index -- as in the W3C Web Annotation
model's TextPositionSelector. The browser converts to and from UTF-16 at its boundary.

Writes go through ``annotations.services``; models hold fields, constraints and cheap properties.
"""

from annotations.models.activity import Event, IdempotencyKey, Job, Notification
from annotations.models.annotations import Annotation, AnnotationVersion, Reply, Review, Tag
from annotations.models.articles import Article, ArticleRevision, ArticleSubmission, Outlet
from annotations.models.entities import Entity, EntityJudgement, EntityKey, LearnedName, Mention
from annotations.models.limits import MAX_ID, QUOTE_CONTEXT_CHARS, TRASH_DAYS
from annotations.models.notes import ArticleNote, ArticleNoteVersion, ArticleRead
from annotations.models.search import SearchEntry
from annotations.models.summaries import DashboardSnapshot
from annotations.models.teams import Membership, Team, new_content_stamp
from annotations.models.tokens import ApiToken

__all__ = [
    "MAX_ID",
    "QUOTE_CONTEXT_CHARS",
    "TRASH_DAYS",
    "Annotation",
    "AnnotationVersion",
    "ApiToken",
    "Article",
    "ArticleNote",
    "ArticleNoteVersion",
    "ArticleRead",
    "ArticleRevision",
    "ArticleSubmission",
    "DashboardSnapshot",
    "Entity",
    "EntityJudgement",
    "EntityKey",
    "Event",
    "IdempotencyKey",
    "Job",
    "LearnedName",
    "Membership",
    "Mention",
    "Notification",
    "Outlet",
    "Reply",
    "Review",
    "SearchEntry",
    "Tag",
    "Team",
    "new_content_stamp",
]
