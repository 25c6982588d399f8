"""Running NER, entity linking and attribution extraction over articles, and writing the result.

Work is done in ``nlp.pipe`` batches, and each batch is written in one transaction that also
marks its articles done at their text revision. A job killed half-way therefore leaves whole
batches done and the rest untouched; running it again skips what is done and finishes the
rest, and the one-mention-per-span constraint makes duplicates impossible either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Q

from annotations.lib.anchoring import quote_context
from annotations.models import Annotation, Article, Tag, Team
from annotations.nlp.pipeline import analyze_many
from annotations.nlp.types import ArticleAnalysis, AttributionData
from annotations.services.entities import EntityResolver, mentions_replace

logger = logging.getLogger(__name__)

BATCH_SIZE = 32
NLP_USERNAME = "newsnotes-nlp"


@dataclass
class AnalyzeReport:
    articles: int = 0
    skipped: int = 0
    mentions: int = 0
    suggestions: int = 0
    article_ids: list[int] = field(default_factory=list)


def nlp_user() -> AbstractBaseUser:
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
    """Analyse the articles that are not yet done at their current revision."""
    todo = _pending(article_ids)
    report = AnalyzeReport(skipped=len(article_ids) - len(todo))
    resolvers: dict[int, EntityResolver] = {}
    author = nlp_user()
    claim_tags: dict[int, Tag | None] = {}
    source_tags: dict[int, Tag | None] = {}
    for offset in range(0, len(todo), batch_size):
        chunk = list(
            Article.objects.filter(pk__in=todo[offset : offset + batch_size])
            .select_related("team")
            .only("pk", "text", "revision", "team")
            .order_by("pk")
        )
        analyses = list(analyze_many([a.text for a in chunk], batch_size=batch_size))
        with transaction.atomic():
            # A text edit since the batch was read makes its analysis stale: leave that
            # article pending; the edit queued a fresh run.
            current = dict(
                Article.objects.select_for_update()
                .filter(pk__in=[a.pk for a in chunk])
                .values_list("pk", "revision")
            )
            for article, analysis in zip(chunk, analyses, strict=True):
                if current.get(article.pk) != article.revision:
                    continue
                team = article.team
                resolver = resolvers.setdefault(team.pk, EntityResolver(team))
                if team.pk not in claim_tags:
                    claim_tags[team.pk] = _tag_of_kind(team, Tag.Kind.CLAIM)
                    source_tags[team.pk] = _tag_of_kind(team, Tag.Kind.SOURCE)
                mentions = mentions_replace(
                    article_id=article.pk,
                    mentions=analysis.mentions,
                    resolver=resolver,
                )
                report.mentions += len(mentions)
                report.suggestions += _suggest(
                    article=article,
                    analysis=analysis,
                    resolver=resolver,
                    author=author,
                    claim_tag=claim_tags[team.pk],
                    source_tag=source_tags[team.pk],
                )
                report.article_ids.append(article.pk)
            done_ids = [a.pk for a in chunk if current.get(a.pk) == a.revision]
            Article.objects.filter(pk__in=done_ids).update(
                nlp_status=Article.NlpStatus.DONE, nlp_revision=F("revision")
            )
        report.articles += len(done_ids)
        if on_progress:
            on_progress(report.skipped + offset + len(chunk), len(article_ids))
    logger.info(
        "articles.analyzed count=%s mentions=%s suggestions=%s",
        report.articles,
        report.mentions,
        report.suggestions,
    )
    return report


def _tag_of_kind(team: Team, kind: str) -> Tag | None:
    return Tag.objects.filter(team=team, kind=kind).order_by("position", "pk").first()


def _suggest(
    *,
    article: Article,
    analysis: ArticleAnalysis,
    resolver: EntityResolver,
    author: AbstractBaseUser,
    claim_tag: Tag | None,
    source_tag: Tag | None,
) -> int:
    """Turn attributions into suggested claim (and source) annotations, once each.

    A span the model suggested before, in any state (rejected included), is not suggested
    again, so re-running never brings back what an analyst turned down.
    """
    if not analysis.attributions:
        return 0
    existing: dict[tuple[int, int], int] = {
        (start, end): pk
        for pk, start, end in Annotation.objects.filter(
            article_id=article.pk, origin=Annotation.Origin.MODEL
        ).values_list("pk", "start", "end")
    }
    keys = resolver.resolve(a.speaker for a in analysis.attributions if a.speaker is not None)
    sources: dict[tuple[int, int], Annotation] = {}
    claims: list[tuple[Annotation, tuple[int, int] | None]] = []
    for attribution in analysis.attributions:
        span = (attribution.claim_start, attribution.claim_end)
        if span in existing:
            continue
        source_span = _source_span(attribution)
        if source_span is not None and source_span not in existing and source_span not in sources:
            sources[source_span] = _new_suggestion(
                article=article, start=source_span[0], end=source_span[1], author=author
            )
        claim = _new_suggestion(article=article, start=span[0], end=span[1], author=author)
        if attribution.speaker is not None:
            claim.attributed_to_entity_id = keys.get(attribution.speaker.key)
        claims.append((claim, source_span))
        existing[span] = 0
    Annotation.objects.bulk_create(sources.values())
    existing.update({span: source.pk for span, source in sources.items()})
    for claim, source_span in claims:
        if source_span is not None:
            claim.attributed_to_id = existing[source_span]
    Annotation.objects.bulk_create([claim for claim, _ in claims])
    through = Annotation.tags.through
    links = [
        through(annotation_id=a.pk, tag_id=tag.pk)
        for tag, group in ((claim_tag, [c for c, _ in claims]), (source_tag, sources.values()))
        if tag is not None
        for a in group
    ]
    through.objects.bulk_create(links)
    return len(claims) + len(sources)


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


def _new_suggestion(
    *, article: Article, start: int, end: int, author: AbstractBaseUser
) -> Annotation:
    prefix, suffix = quote_context(article.text, start, end)
    return Annotation(
        team_id=article.team_id,
        article_id=article.pk,
        article_revision=article.revision,
        start=start,
        end=end,
        exact=article.text[start:end],
        prefix=prefix,
        suffix=suffix,
        author=author,
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
