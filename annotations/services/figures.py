"""Figures: extracting them after analysis, and an analyst's resolution of a malformed one.

``figures_extract`` runs once per analysis batch (services/analysis.py), inside the batch's
transaction, with a constant number of statements. It is idempotent: a figure found again
(the same wording, the n-th time in the article) keeps its row, its id and its resolution;
figures no longer in the text are deleted. A resolution survives while the figure's readings
still contain the chosen value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from annotations.models import Annotation, Article, Figure, Mention, Tag
from annotations.models.figures import MAX_FIGURE_TEXT, MAX_READINGS, MAX_RESOLUTION_HISTORY
from annotations.nlp.figures import (
    FigureData,
    MentionRef,
    extract_figures,
    format_number,
    same_value,
)
from annotations.services.teams import ANNOTATE_ROLES, require_role

#: Fields a re-analysis rewrites on a figure it finds again (the rest stay: id, history).
_UPDATED = (
    "article_revision",
    "claim",
    "start",
    "end",
    "text",
    "number_start",
    "number_end",
    "kind",
    "unit",
    "low",
    "high",
    "bound",
    "subject",
    "flagged",
    "problem",
    "readings",
    "resolved_value",
    "resolved_by",
    "resolved_at",
)


def figures_extract(*, article_ids: Sequence[int]) -> int:
    """Extract the figures of the articles and write them; the number of figures written."""
    if not article_ids:
        return 0
    with transaction.atomic():
        articles = list(
            Article.objects.filter(pk__in=article_ids).only(
                "pk", "team_id", "text", "revision", "language"
            )
        )
        mentions = _mentions(article_ids)
        claims = _claims(article_ids)
        existing: dict[int, list[Figure]] = defaultdict(list)
        for figure in Figure.objects.filter(article_id__in=article_ids).order_by("start", "pk"):
            existing[figure.article_id].append(figure)
        creates: list[Figure] = []
        updates: list[Figure] = []
        deletes: list[int] = []
        for article in articles:
            found = extract_figures(
                article.text, mentions.get(article.pk, ()), language=article.language
            )
            old = {_key(f.text, n): f for f, n in _numbered(existing.get(article.pk, []))}
            for data, n in _numbered(found):
                row = _row(article, data, claims.get(article.pk, ()))
                previous = old.pop(_key(data.text, n), None)
                if previous is None:
                    creates.append(row)
                    continue
                _keep_resolution(previous, row)
                for name in _UPDATED:
                    setattr(previous, name, getattr(row, name))
                updates.append(previous)
            deletes.extend(f.pk for f in old.values())
        # Rows found again are written back with their ids (and their resolution history):
        # deleting and inserting them spares a per-row UPDATE and any clash on the unique
        # (article, start, end) while spans move after a text edit.
        Figure.objects.filter(pk__in=[*deletes, *(f.pk for f in updates)]).delete()
        Figure.objects.bulk_create([*updates, *creates], batch_size=500)
    return len(creates) + len(updates)


def _numbered(figures: Sequence[Any]) -> list[tuple[Any, int]]:
    seen: dict[str, int] = defaultdict(int)
    out = []
    for figure in figures:
        out.append((figure, seen[figure.text]))
        seen[figure.text] += 1
    return out


def _key(text: str, n: int) -> tuple[str, int]:
    return (text[:MAX_FIGURE_TEXT], n)


def _mentions(article_ids: Sequence[int]) -> dict[int, list[MentionRef]]:
    """Each article's live mentions, with the canonical entity of each."""
    out: dict[int, list[MentionRef]] = defaultdict(list)
    rows = (
        Mention.objects.filter(article_id__in=article_ids, rejected=False)
        .annotate(canonical=Coalesce("entity__merged_into_id", "entity_id"))
        .order_by("article_id", "start")
        .values_list("article_id", "start", "end", "canonical", "label")
    )
    for article_id, start, end, entity, label in rows:
        out[article_id].append(MentionRef(start, end, entity, label))
    return out


def _claims(article_ids: Sequence[int]) -> dict[int, list[tuple[int, int, int]]]:
    """Each article's claims that a figure may belong to: shared with the team, live, not
    rejected, tagged as a claim or suggested as one; (start, end, id), shortest first."""
    rows = (
        Annotation.objects.filter(
            article_id__in=article_ids,
            deleted_at__isnull=True,
            visibility=Annotation.Visibility.TEAM,
        )
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
        .filter(
            Q(tags__kind=Tag.Kind.CLAIM)
            | (Q(origin=Annotation.Origin.MODEL) & ~Q(suggestion_rule__startswith="source of"))
        )
        .values_list("article_id", "start", "end", "pk")
        .distinct()
    )
    out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for article_id, start, end, pk in rows:
        out[article_id].append((start, end, pk))
    for spans in out.values():
        spans.sort(key=lambda s: (s[1] - s[0], s[2]))
    return out


def _row(article: Article, data: FigureData, claims: Sequence[tuple[int, int, int]]) -> Figure:
    claim = next(
        (pk for start, end, pk in claims if start <= data.number_start and data.number_end <= end),
        None,
    )
    return Figure(
        team_id=article.team_id,
        article_id=article.pk,
        article_revision=article.revision,
        claim_id=claim,
        start=data.start,
        end=data.end,
        text=data.text[:MAX_FIGURE_TEXT],
        number_start=data.number_start,
        number_end=data.number_end,
        kind=data.kind,
        unit=data.unit[:32],
        low=data.low,
        high=data.high,
        bound=data.bound,
        subject_id=data.subject,
        flagged=data.flagged,
        problem=data.problem,
        readings=list(data.readings[:MAX_READINGS]),
    )


def _keep_resolution(previous: Figure, row: Figure) -> None:
    """Carry an analyst's resolution over to the figure found again, while it still applies."""
    if previous.resolved_value is None or not row.flagged:
        return
    if any(same_value(previous.resolved_value, r) for r in row.readings):
        row.resolved_value = previous.resolved_value
        row.resolved_by_id = previous.resolved_by_id
        row.resolved_at = previous.resolved_at
        row.low = row.high = previous.resolved_value


@transaction.atomic
def figure_resolve(*, figure: Figure, value: float | None, actor: User | AnonymousUser) -> Figure:
    """Resolve a flagged figure to one of its readings; ``value`` None undoes the resolution.

    Analysts and owners of the article's team may; every change is kept in
    ``resolution_history``. A value that is not one of the readings is a 400 on ``value``.
    """
    require_role(user=actor, team=figure.team, roles=ANNOTATE_ROLES, action="resolve figures")
    figure = Figure.objects.select_for_update().get(pk=figure.pk)
    if not figure.flagged:
        raise ValidationError({"value": "This figure is not flagged: it has nothing to resolve."})
    if value is None:
        if figure.resolved_value is None:
            raise ValidationError({"value": "This figure is not resolved: nothing to undo."})
    elif not any(same_value(value, r) for r in figure.readings):
        readings = ", ".join(format_number(r) for r in figure.readings)
        raise ValidationError(
            {"value": f"{format_number(value)} is not a reading of this figure: {readings}."}
        )
    else:
        value = next(r for r in figure.readings if same_value(value, r))
    now = timezone.now()
    figure.resolved_value = value
    figure.resolved_by = actor if value is not None else None  # type: ignore[assignment]
    figure.resolved_at = now if value is not None else None
    figure.low = figure.high = value
    history = list(figure.resolution_history or [])
    history.append({"value": value, "user": actor.pk, "at": now.isoformat()})
    figure.resolution_history = history[-MAX_RESOLUTION_HISTORY:]
    figure.save(
        update_fields=[
            "resolved_value",
            "resolved_by",
            "resolved_at",
            "low",
            "high",
            "resolution_history",
        ]
    )
    return figure
