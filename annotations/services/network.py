"""The co-occurrence rows of the entity network (``models/network.py``), written by the
analysis job once per batch: ``network_pairs_compute(article_ids=...)``.

For each article it replaces the rows: one per pair of distinct entities named in the same
sentence (``lib/sentences.py``, split once per article) and in the same claim (the shared,
live claims the figures use too: suggested by the analysis or tagged as claims by analysts),
and one per pair named anywhere in the article. Rejected mentions do not count. Entities are
stored as the mentions name them; the reads (``selectors/network.py``) resolve merges, so a
merge or its undo needs no rewrite. Caps bound the rows an article can write: the most
mentioned ``MAX_PER_SENTENCE`` entities of a sentence or claim, ``MAX_PER_ARTICLE`` of an
article.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations

from django.db import transaction
from django.db.models import Q

from annotations.lib.sentences import sentence_spans
from annotations.models import Annotation, Article, EntityPair, Mention, Tag

MAX_PER_SENTENCE = 20  # 190 pairs at most per sentence or claim
MAX_PER_ARTICLE = 40  # 780 pairs at most per article
INSERT_BATCH = 2000

_Mention = tuple[int, int, int]  # entity id, start, end


def _most_named(mentions: Iterable[_Mention], cap: int) -> list[int]:
    counts = Counter(entity for entity, _, _ in mentions)
    return sorted(e for e, _ in counts.most_common(cap)) if len(counts) > 1 else []


def _pairs(
    entity_ids: list[int], *, team: int, article: int, kind: str, start: int, end: int
) -> list[EntityPair]:
    return [
        EntityPair(
            team_id=team, article_id=article, left_id=a, right_id=b, kind=kind, start=start, end=end
        )
        for a, b in combinations(entity_ids, 2)
    ]


def _claims(article_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """The live claims shared with the team (analysts' on a blind article excepted, which
    not every member may see yet): (start, end) per article."""
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
        .filter(Q(origin=Annotation.Origin.MODEL) | Q(article__blind=False))
        .values_list("article_id", "start", "end")
        .distinct()
    )
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for article_id, start, end in rows:
        out[article_id].append((start, end))
    return out


def article_pairs(
    *,
    article_id: int,
    team_id: int,
    text: str,
    mentions: Sequence[_Mention],
    claims: Sequence[tuple[int, int]] = (),
) -> list[EntityPair]:
    """The unsaved co-occurrence rows of one article (``mentions`` sorted by start)."""
    rows: list[EntityPair] = []
    ids = dict(team=team_id, article=article_id)
    spans = sentence_spans(text)
    starts = [s for s, _ in spans]
    by_sentence: dict[int, list[_Mention]] = defaultdict(list)
    for mention in mentions:
        by_sentence[bisect.bisect_right(starts, mention[1]) - 1].append(mention)
    for index, inside in sorted(by_sentence.items()):
        start, end = spans[index]
        entities = _most_named(inside, MAX_PER_SENTENCE)
        rows += _pairs(entities, kind=EntityPair.Kind.SENTENCE, start=start, end=end, **ids)
    for start, end in sorted(set(claims)):
        inside = [m for m in mentions if m[1] >= start and m[2] <= end]
        entities = _most_named(inside, MAX_PER_SENTENCE)
        rows += _pairs(entities, kind=EntityPair.Kind.CLAIM, start=start, end=end, **ids)
    entities = _most_named(mentions, MAX_PER_ARTICLE)
    rows += _pairs(entities, kind=EntityPair.Kind.ARTICLE, start=0, end=len(text), **ids)
    return rows


@transaction.atomic
def network_pairs_compute(*, article_ids: Sequence[int]) -> int:
    """Replace the co-occurrence rows of these articles; the number of rows written."""
    if not article_ids:
        return 0
    mentions: dict[int, list[_Mention]] = defaultdict(list)
    for article_id, entity_id, start, end in (
        Mention.objects.filter(article_id__in=article_ids, rejected=False)
        .order_by("article_id", "start")
        .values_list("article_id", "entity_id", "start", "end")
    ):
        mentions[article_id].append((entity_id, start, end))
    claims = _claims(article_ids)
    rows: list[EntityPair] = []
    for article_id, team_id, text in Article.objects.filter(pk__in=article_ids).values_list(
        "pk", "team_id", "text"
    ):
        rows += article_pairs(
            article_id=article_id,
            team_id=team_id,
            text=text,
            mentions=mentions.get(article_id, []),
            claims=claims.get(article_id, []),
        )
    EntityPair.objects.filter(article_id__in=article_ids).delete()
    EntityPair.objects.bulk_create(rows, batch_size=INSERT_BATCH)
    return len(rows)
