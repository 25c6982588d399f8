"""The repeated claim of tests/data/claims_repeated.json, as articles and claim annotations."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from annotations.models import Annotation, Article, Tag
from annotations.services.annotations import annotation_create
from tests.factories import make_article

DATA = json.loads(
    (Path(__file__).parent / "data" / "claims_repeated.json").read_text(encoding="utf-8")
)


def make_claims(team, author, *, reverse: bool = True) -> tuple[list[Article], list[Annotation]]:
    """The two articles and their claims, created latest-published first (``reverse``), so
    that the first appearance is found by date, not by creation order."""
    tag = Tag.objects.get(team=team, slug="claim")
    specs = list(reversed(DATA["articles"])) if reverse else DATA["articles"]
    articles, claims = [], []
    for spec in specs:
        article = make_article(
            team=team,
            text=spec["text"],
            title=spec["title"],
            outlet_name=spec["outlet"],
            published_at=datetime.fromisoformat(spec["published_at"]),
        )
        articles.append(article)
        for quote in spec["claims"]:
            start = article.text.index(quote)
            claims.append(
                annotation_create(
                    article=article,
                    author=author,
                    start=start,
                    end=start + len(quote),
                    tags=[tag],
                )
            )
    return articles, claims
