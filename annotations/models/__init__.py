"""NewsNotes data model, one module per area: ``teams``, ``articles``, ``entities``,
``annotations``, ``notes`` (page notes, reading marks), ``refetches`` (silent edits),
``activity`` and ``tokens``; ``limits`` holds the bounds they share.
``annotations``, ``notes`` (page notes, reading marks), ``activity``, ``tokens`` and ``watchlists``;
``limits`` holds the bounds they share.

Every offset in these modules (``Mention.start``, ``Annotation.start`` ...) is a Unicode code
point index into ``Article.text`` -- a Python ``str`` index -- as in the W3C Web Annotation
model's TextPositionSelector. The browser converts to and from UTF-16 at its boundary.

Writes go through ``annotations.services``; models hold fields, constraints and cheap properties.
"""

from annotations.models.ach import Analysis, AnalysisVersion, Evidence, Hypothesis, Rating
from annotations.models.activity import Event, IdempotencyKey, Job, Notification
from annotations.models.annotations import Annotation, AnnotationVersion, Reply, Review, Tag
from annotations.models.archive import ArchiveRecord
from annotations.models.articles import Article, ArticleRevision, ArticleSubmission, Outlet
from annotations.models.claims import ClaimAppearance, ClaimBand, ClaimCluster, ClusterJudgement
from annotations.models.entities import Entity, EntityJudgement, EntityKey, LearnedName, Mention
from annotations.models.feeds import Feed, FeedItem
from annotations.models.figures import Figure
from annotations.models.grading import Credibility, Reliability, SourceGrade
from annotations.models.limits import MAX_ID, QUOTE_CONTEXT_CHARS, TRASH_DAYS
from annotations.models.network import EntityPair, Relation, RelationEvent
from annotations.models.notes import ArticleNote, ArticleNoteVersion, ArticleRead
from annotations.models.periodic import PeriodicLease
from annotations.models.refetches import ArticleRefetch
from annotations.models.screening import (
    MAX_NAME_LENGTH,
    MAX_SCREENING_NAMES,
    Screening,
    ScreeningResult,
)
from annotations.models.search import SearchEntry
from annotations.models.summaries import DashboardSnapshot
from annotations.models.teams import Membership, Team, new_content_stamp
from annotations.models.tokens import ApiToken
from annotations.models.watchlists import (
    Watchlist,
    WatchlistDigest,
    WatchlistEntity,
    WatchlistHit,
)

__all__ = [
    "MAX_ID",
    "MAX_NAME_LENGTH",
    "MAX_SCREENING_NAMES",
    "QUOTE_CONTEXT_CHARS",
    "TRASH_DAYS",
    "Analysis",
    "AnalysisVersion",
    "Annotation",
    "AnnotationVersion",
    "ApiToken",
    "ArchiveRecord",
    "Article",
    "ArticleNote",
    "ArticleNoteVersion",
    "ArticleRead",
    "ArticleRefetch",
    "ArticleRevision",
    "ArticleSubmission",
    "ClaimAppearance",
    "ClaimBand",
    "ClaimCluster",
    "ClusterJudgement",
    "Credibility",
    "DashboardSnapshot",
    "Entity",
    "EntityJudgement",
    "EntityKey",
    "EntityPair",
    "Event",
    "Evidence",
    "Feed",
    "FeedItem",
    "Figure",
    "Hypothesis",
    "IdempotencyKey",
    "Job",
    "LearnedName",
    "Membership",
    "Mention",
    "Notification",
    "Outlet",
    "PeriodicLease",
    "Rating",
    "Relation",
    "RelationEvent",
    "Reliability",
    "Reply",
    "Review",
    "Screening",
    "ScreeningResult",
    "SearchEntry",
    "SourceGrade",
    "Tag",
    "Team",
    "Watchlist",
    "WatchlistDigest",
    "WatchlistEntity",
    "WatchlistHit",
    "new_content_stamp",
]
