"""Running NER, entity linking and attribution extraction over articles, and writing the result.

Work is done in ``nlp.pipe`` batches, and each batch is written in one transaction that also
marks its articles done at their text revision. A job killed half-way therefore leaves whole
batches done and the rest untouched; running it again skips what is done and finishes the
rest, and the one-mention-per-span constraint makes duplicates impossible either way.

With more than one batch, spaCy parses the next batch in a helper thread while this thread
writes the current one. spaCy holds the GIL for nearly all of its work, so what overlaps is the
writes' waiting on PostgreSQL, which inserts, updates indexes and commits on the other core.
Only the calling thread touches the database; the helper sees texts and returns analyses.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from annotations.lib.anchoring import quote_context
from annotations.models import Annotation, Article, Tag, Team
from annotations.nlp.corrections import TeamCorrections
from annotations.nlp.detection import detect_languages
from annotations.nlp.pipeline import analyze_many
from annotations.nlp.types import ArticleAnalysis, AttributionData, MentionData
from annotations.selectors.corrections import team_corrections
from annotations.services.claim_clusters import claims_cluster_articles
from annotations.services.entities import (
    EntityResolver,
    copy_rows,
    copy_supported,
    mentions_replace,
)
from annotations.services.figures import figures_extract
from annotations.services.network import network_pairs_compute
from annotations.services.search_index import search_index_article_rows
from annotations.services.stamps import teams_touch
from annotations.services.suggestion_details import suggestion_details
from annotations.services.watchlists import watchlists_match_articles

logger = logging.getLogger(__name__)

BATCH_SIZE = 32
NLP_USERNAME = "newsnotes-nlp"

# An annotation row as written by COPY or bulk_create: column name -> value.
type _Row = dict[str, Any]


@dataclass
class AnalyzeReport:
    articles: int = 0
    skipped: int = 0
    mentions: int = 0
    suggestions: int = 0
    article_ids: list[int] = field(default_factory=list)


def nlp_user() -> User:
    """The author of model suggestions: a user that cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=NLP_USERNAME, defaults={"is_active": False, "first_name": "NewsNotes model"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _pending(article_ids: Sequence[int]) -> list[int]:
    done = Q(nlp_status=Article.NlpStatus.DONE, nlp_revision=F("revision"))
    return list(
        Article.objects.filter(pk__in=article_ids)
        .exclude(done)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def articles_analyze(
    *,
    article_ids: Sequence[int],
    batch_size: int = BATCH_SIZE,
    on_progress: Callable[[int, int], None] | None = None,
) -> AnalyzeReport:
    """Analyse the articles that are not yet done at their current revision.

    Per batch: read it and detect the languages its articles do not state (while the batch
    before parses), parse it (while the batch before is written), then write it in one
    transaction: mentions, suggestions, the detected languages and the articles' search rows
    (a bulk import leaves both to this job: services/imports.py).
    """
    todo = _pending(article_ids)
    report = AnalyzeReport(skipped=len(article_ids) - len(todo))
    chunks = [todo[offset : offset + batch_size] for offset in range(0, len(todo), batch_size)]
    writer = _BatchWriter(report)
    done = report.skipped
    with _Parser(batch_size=batch_size, ahead=len(chunks) > 1) as parser:
        upcoming = parser.submit(_read_chunk(chunks[0])) if chunks else None
        index = 0
        while upcoming is not None:
            index += 1
            # Read the next batch (and detect its languages) while this one parses.
            following = _read_chunk(chunks[index]) if index < len(chunks) else None
            chunk, analyses = upcoming.result()
            # Queue the next batch before writing this one: it parses meanwhile.
            upcoming = parser.submit(following) if following is not None else None
            # One transaction per batch; the features that follow analysis (claim clusters,
            # figures, watchlists) run inside it, so their rows commit with the batch's.
            writer.write(chunk, analyses)
            done += len(chunk)
            if on_progress:
                on_progress(done, len(article_ids))
    logger.info(
        "articles.analyzed count=%s mentions=%s suggestions=%s",
        report.articles,
        report.mentions,
        report.suggestions,
    )
    return report


def _read_chunk(ids: Sequence[int]) -> list[Article]:
    """The batch's articles, with the fields the analysis and the search row need; a language
    nobody stated (a bulk import's) is detected here and saved with the batch's results."""
    chunk = list(
        Article.objects.filter(pk__in=ids)
        .select_related("team", "outlet")
        .only("pk", "text", "revision", "language", "team", "title", "authors", "outlet__name")
        .order_by("pk")
    )
    unstated = [article for article in chunk if not article.language]
    codes = detect_languages([article.text for article in unstated])
    for article, code in zip(unstated, codes, strict=True):
        article.language = code
        article.language_detected = True  # type: ignore[attr-defined]
    return chunk


class _Parser:
    """Runs analyze_many() over one batch of articles at a time, in order.

    With ``ahead`` a single helper thread does the work, so the caller can write one batch
    while the next one parses; otherwise submit() works in the calling thread. The helper
    never touches the database. Leaving the block cancels batches that have not started and
    waits for the one in progress (a few seconds at most), so no thread outlives the call.
    """

    def __init__(self, *, batch_size: int, ahead: bool) -> None:
        self.batch_size = batch_size
        self.pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsnotes-nlp") if ahead else None
        )

    def __enter__(self) -> _Parser:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            _return_freed_memory()

    def submit(self, chunk: list[Article]) -> Future[tuple[list[Article], list[ArticleAnalysis]]]:
        # Read in this thread (the helper never touches the database): each team's
        # corrections, which every analysis of its articles applies.
        corrections = {team_id: team_corrections(team_id) for team_id in {a.team_id for a in chunk}}
        fixes = [corrections[article.team_id] for article in chunk]
        if self.pool is not None:
            return self.pool.submit(self._analyze, chunk, fixes)
        future: Future[tuple[list[Article], list[ArticleAnalysis]]] = Future()
        try:
            future.set_result(self._analyze(chunk, fixes))
        except BaseException as exc:  # re-raised by result(), as from the helper thread
            future.set_exception(exc)
        return future

    def _analyze(
        self, chunk: list[Article], fixes: list[TeamCorrections]
    ) -> tuple[list[Article], list[ArticleAnalysis]]:
        analyses = analyze_many(
            [article.text for article in chunk],
            batch_size=self.batch_size,
            languages=[article.language for article in chunk],
            corrections=fixes,
        )
        return chunk, list(analyses)


def _return_freed_memory() -> None:
    """Hand memory freed by the helper thread back to the operating system (glibc only).

    glibc gives each thread its own malloc arena and, unlike the main one, does not shrink it
    when spaCy frees a batch's arrays, so a worker would keep ~300 MB it no longer uses after
    every job. malloc_trim releases it (measured: 535 MB -> 220 MB resident) in milliseconds.
    """
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # musl and others have no malloc_trim to call
        return None


class _BatchWriter:
    """Writes one analysed batch per transaction; per-team resolvers and tags are reused."""

    def __init__(self, report: AnalyzeReport) -> None:
        self.report = report
        self.author = nlp_user()
        self.resolvers: dict[int, EntityResolver] = {}
        self.claim_tags: dict[int, Tag | None] = {}
        self.source_tags: dict[int, Tag | None] = {}

    def write(self, chunk: list[Article], analyses: list[ArticleAnalysis]) -> list[int]:
        """Write one batch; the ids of the articles it marked done (those not edited since)."""
        report = self.report
        with transaction.atomic():
            # A text edit since the batch was read makes its analysis stale: leave that
            # article pending; the edit queued a fresh run.
            current = dict(
                Article.objects.select_for_update()
                .filter(pk__in=[a.pk for a in chunk])
                .values_list("pk", "revision")
            )
            fresh = [
                (article, analysis)
                for article, analysis in zip(chunk, analyses, strict=True)
                if current.get(article.pk) == article.revision
            ]
            for article, _ in fresh:
                team = article.team
                if team.pk not in self.resolvers:
                    self.resolvers[team.pk] = EntityResolver(team)
                    self.claim_tags[team.pk] = _tag_of_kind(team, Tag.Kind.CLAIM)
                    self.source_tags[team.pk] = _tag_of_kind(team, Tag.Kind.SOURCE)
            report.mentions += mentions_replace(
                batch=[
                    (article.pk, self.resolvers[article.team_id], analysis.mentions)
                    for article, analysis in fresh
                ]
            )
            suggested = _suggest(
                batch=fresh,
                resolvers=self.resolvers,
                author=self.author,
                claim_tags=self.claim_tags,
                source_tags=self.source_tags,
            )
            report.suggestions += suggested
            # Claim clusters (#18, services/claim_clusters.py): the batch's claims join theirs.
            claims_cluster_articles(article_ids=[article.pk for article, _ in fresh])
            done_ids = [article.pk for article, _ in fresh]
            # Figures: the batch's quantities, linked to its claims (services/figures.py).
            figures_extract(article_ids=done_ids)
            Article.objects.filter(pk__in=done_ids).update(
                nlp_status=Article.NlpStatus.DONE, nlp_revision=F("revision")
            )
            _save_languages([article for article, _ in fresh])
            # The whole search row, in the detected language's configuration; PostgreSQL
            # computes its vector on the other core while the next batch parses.
            search_index_article_rows(articles=[article for article, _ in fresh])
            if suggested:  # mentions are not part of annotation lists; suggestions are
                teams_touch(team_ids={a.team_id for a, analysis in fresh if analysis.attributions})
            # Watchlists (services/watchlists.py): the batch's articles, now with their mentions,
            # notify the watchlists they match; in this transaction, so hits commit with them.
            watchlists_match_articles(article_ids=done_ids)
            # Entity network (services/network.py): who appears with whom in the batch.
            network_pairs_compute(article_ids=done_ids)
        report.article_ids.extend(done_ids)
        report.articles += len(done_ids)
        return done_ids


def _save_languages(articles: Sequence[Article]) -> None:
    """Save the languages _read_chunk() detected, one statement per language. A language
    stated meanwhile (an analyst's edit) is kept, and the articles in hand take it, for their
    search rows."""
    by_code: dict[str, list[int]] = {}
    for article in articles:
        if getattr(article, "language_detected", False):
            by_code.setdefault(article.language, []).append(article.pk)
    for code, ids in by_code.items():
        if Article.objects.filter(pk__in=ids, language="").update(language=code) < len(ids):
            stated = dict(Article.objects.filter(pk__in=ids).values_list("pk", "language"))
            for article in articles:
                article.language = stated.get(article.pk, article.language)


def _tag_of_kind(team: Team, kind: str) -> Tag | None:
    return Tag.objects.filter(team=team, kind=kind).order_by("position", "pk").first()


def _suggest(
    *,
    batch: Sequence[tuple[Article, ArticleAnalysis]],
    resolvers: dict[int, EntityResolver],
    author: User,
    claim_tags: dict[int, Tag | None],
    source_tags: dict[int, Tag | None],
) -> int:
    """Turn attributions into suggested claim (and source) annotations, once each.

    A span the model suggested before, in any state (rejected included), is not suggested
    again, so re-running never brings back what an analyst turned down. The whole batch is
    written with a constant number of statements.
    """
    batch = [(article, analysis) for article, analysis in batch if analysis.attributions]
    if not batch:
        return 0
    existing: dict[int, dict[tuple[int, int], int | None]] = {a.pk: {} for a, _ in batch}
    for pk, article_id, start, end in Annotation.objects.filter(
        article_id__in=list(existing), origin=Annotation.Origin.MODEL
    ).values_list("pk", "article_id", "start", "end"):
        existing[article_id][(start, end)] = pk
    speakers: dict[int, list[MentionData]] = {}
    for article, analysis in batch:
        speakers.setdefault(article.team_id, []).extend(
            m for a in analysis.attributions for m in (a.speaker, a.reporter) if m is not None
        )
    keys_of = {team_id: resolvers[team_id].resolve(ms) for team_id, ms in speakers.items()}
    now = timezone.now()
    author_id = author.pk
    # (article id, source span, row) for sources; (article id, source span, row) for claims.
    sources: list[tuple[int, tuple[int, int], _Row]] = []
    claims: list[tuple[int, tuple[int, int] | None, _Row]] = []
    for article, analysis in batch:
        seen = existing[article.pk]
        keys = keys_of.get(article.team_id, {})
        new_sources: set[tuple[int, int]] = set()
        for attribution in analysis.attributions:
            span = (attribution.claim_start, attribution.claim_end)
            if span in seen:
                continue
            source_span = _source_span(attribution)
            if (
                source_span is not None
                and source_span not in seen
                and source_span not in new_sources
            ):
                new_sources.add(source_span)
                sources.append(
                    (
                        article.pk,
                        source_span,
                        _new_suggestion(
                            article=article,
                            start=source_span[0],
                            end=source_span[1],
                            author_id=author_id,
                            now=now,
                            rule=_rule(attribution, "source of "),
                            confidence=attribution.confidence,
                        ),
                    )
                )
            claim = _new_suggestion(
                article=article,
                start=span[0],
                end=span[1],
                author_id=author_id,
                now=now,
                rule=_rule(attribution),
                confidence=attribution.confidence,
            )
            if attribution.speaker is not None:
                claim["attributed_to_entity_id"] = keys.get(attribution.speaker.key)
            claim["suggestion_details"] = suggestion_details(attribution, keys)
            claims.append((article.pk, source_span, claim))
            seen[span] = None
    if not claims and not sources:
        return 0
    source_ids = _insert_annotations([row for _, _, row in sources])
    for (article_id, source_span, _), pk in zip(sources, source_ids, strict=True):
        existing[article_id][source_span] = pk
    for article_id, source_span, claim in claims:
        if source_span is not None:
            claim["attributed_to_id"] = existing[article_id].get(source_span)
    claim_ids = _insert_annotations([row for _, _, row in claims])
    team_of = {article.pk: article.team_id for article, _ in batch}
    links = [
        (pk, tag.pk)
        for tag_map, group, ids in (
            (claim_tags, claims, claim_ids),
            (source_tags, sources, source_ids),
        )
        for (article_id, _, _), pk in zip(group, ids, strict=True)
        if (tag := tag_map.get(team_of[article_id])) is not None
    ]
    if links:
        through = Annotation.tags.through
        if copy_supported():
            copy_rows(through._meta.db_table, ("annotation_id", "tag_id"), links)
        else:
            through.objects.bulk_create(
                [through(annotation_id=pk, tag_id=tag_id) for pk, tag_id in links]
            )
    return len(claims) + len(sources)


def _insert_annotations(rows: list[_Row]) -> list[int]:
    """Insert annotation rows in one statement (COPY on PostgreSQL); their ids, in order."""
    if not rows:
        return []
    if not copy_supported():
        return [a.pk for a in Annotation.objects.bulk_create([Annotation(**r) for r in rows])]
    table = Annotation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    columns = ("id", *_ANNOTATION_COLUMNS)
    for row in rows:  # COPY takes JSON as text; psycopg does not adapt a dict by itself
        row["suggestion_details"] = json.dumps(row["suggestion_details"], ensure_ascii=False)
    copy_rows(
        table,
        columns,
        ((pk, *(row[c] for c in _ANNOTATION_COLUMNS)) for pk, row in zip(ids, rows, strict=True)),
    )
    return ids


#: Every column but the id, in the model's order; _new_suggestion() must give each a value.
_ANNOTATION_COLUMNS = tuple(
    field.attname for field in Annotation._meta.concrete_fields if not field.primary_key
)


def _source_span(attribution: AttributionData) -> tuple[int, int] | None:
    """The span naming what a claim rests on: the source the text names, else the speaker
    when the speaker is not a named entity ("Western intelligence agencies")."""
    if attribution.source_start is not None and attribution.source_end is not None:
        span = (attribution.source_start, attribution.source_end)
    elif attribution.speaker is None and attribution.speaker_start is not None:
        span = (attribution.speaker_start, attribution.speaker_end or attribution.speaker_start)
    else:
        return None
    return span if span[0] < span[1] else None


def _rule(attribution: AttributionData, prefix: str = "") -> str:
    """The rule that made a suggestion, for the analyst: "verb-object: said"."""
    return f"{prefix}{attribution.pattern}: {attribution.cue}"[:64]


def _new_suggestion(
    *,
    article: Article,
    start: int,
    end: int,
    author_id: int,
    now: datetime,
    rule: str = "",
    confidence: float | None = None,
) -> _Row:
    """The column values of a pending model suggestion, every NOT NULL column set."""
    prefix, suffix = quote_context(article.text, start, end)
    return {
        "team_id": article.team_id,
        "article_id": article.pk,
        "article_revision": article.revision,
        "start": start,
        "end": end,
        "exact": article.text[start:end],
        "prefix": prefix,
        "suffix": suffix,
        "comment": "",
        "assessment": Annotation.Assessment.UNVERIFIED.value,
        "credibility": "",  # Admiralty credibility: a suggestion is not graded
        "attributed_to_id": None,
        "attributed_to_entity_id": None,
        "author_id": author_id,
        "visibility": Annotation.Visibility.TEAM.value,
        "anchor_state": Annotation.AnchorState.ANCHORED.value,
        "origin": Annotation.Origin.MODEL.value,
        "suggestion_state": Annotation.SuggestionState.PENDING.value,
        "review_state": Annotation.ReviewState.DRAFT.value,
        "suggestion_rule": rule,
        "suggestion_confidence": None if confidence is None else round(confidence, 3),
        "suggestion_details": {},
        "version": 1,
        "created_at": now,
        "modified_at": now,
        "deleted_at": None,
        "deleted_by_id": None,
    }
