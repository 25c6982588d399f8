"""Counts, messages and timing that must not tell a user what they may not see (issue #13 §5),
and blind mode that opens only on real work (§6)."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from annotations.lib import urlfetch
from annotations.models import Annotation, Article, ArticleSubmission
from annotations.selectors import oversight
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    article_submit,
    reply_create,
    suggestion_reject,
)
from annotations.services.imports import check_import_url
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, UserFactory, make_article


def _span(article: Article, text: str) -> tuple[int, int]:
    start = article.text.index(text)
    return start, start + len(text)


def _annotate(article: Article, user, text: str, **kwargs) -> Annotation:
    start, end = _span(article, text)
    return annotation_create(article=article, author=user, start=start, end=end, **kwargs)


def _suggest(article: Article, text: str, analyst) -> Annotation:
    """A pending model suggestion, as the analysis writes it (by the NLP user)."""
    from annotations.services.analysis import nlp_user

    annotation = _annotate(article, analyst, text)
    Annotation.objects.filter(pk=annotation.pk).update(
        author=nlp_user(),
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    annotation.refresh_from_db()
    return annotation


@pytest.fixture
def dana(team_a):
    user = UserFactory(username="dana")
    MembershipFactory(team=team_a, user=user)
    return user


@pytest.fixture
def desk(team_a, alice):
    return make_article(
        team=team_a,
        text="Kirby said the troops traveled by ship. Seoul's spy agency said 1,500 had left.",
    )


def _counts(user, article: Article) -> tuple[int, int, int]:
    row = next(
        a for a in client_for(user).get("/api/articles/").json()["results"] if a["id"] == article.pk
    )
    browser = Client()
    browser.force_login(user)
    page = browser.get(reverse("annotations:article-list"))
    (listed,) = [a for a in page.context["articles"] if a.pk == article.pk]
    assert listed.annotation_count == row["annotation_count"]  # the page says the same
    return row["annotation_count"], row["suggestion_count"], listed.suggestion_count


def test_the_article_count_is_what_the_reader_shows_by_default(desk, alice, dana):
    kept = _annotate(desk, alice, "Kirby said")
    trashed = _annotate(desk, alice, "the troops")
    annotation_delete(annotation=trashed, actor=alice)
    _annotate(desk, dana, "traveled by ship", visibility=Annotation.Visibility.PRIVATE)
    _suggest(desk, "1,500 had left", alice)
    rejected = _suggest(desk, "Seoul's spy agency", alice)
    suggestion_reject(annotation=rejected, actor=alice)

    reader = client_for(alice).get(f"/api/annotations/?article={desk.pk}").json()["results"]
    shown = [a for a in reader if a["suggestion_state"] != "rejected"]
    assert {a["id"] for a in shown} >= {kept.pk}
    assert _counts(alice, desk) == (len(shown), 1, 1)
    assert len(shown) == 2  # alice's own and the pending suggestion: no trash, no private note


def test_on_a_blind_article_the_count_hides_teammates_work_until_submission(desk, alice, dana):
    Article.objects.filter(pk=desk.pk).update(blind=True)
    _annotate(desk, dana, "Kirby said")
    _annotate(desk, dana, "the troops")
    _annotate(desk, alice, "traveled by ship")
    assert _counts(alice, desk)[0] == 1
    article_submit(article=desk, actor=alice)
    assert _counts(alice, desk)[0] == 3


def test_a_reply_parent_of_another_team_reads_like_a_missing_one(desk, alice, carol, team_b):
    mine = _annotate(desk, alice, "Kirby said")
    other_article = make_article(team=team_b, text="Kirby said the troops traveled by ship.")
    theirs = annotation_create(article=other_article, author=carol, start=0, end=5)
    their_reply = reply_create(annotation=theirs, author=carol, text="A reply of team B")
    other_annotation = _annotate(desk, alice, "the troops")
    own_reply = reply_create(annotation=other_annotation, author=alice, text="x")

    def error(parent: int) -> str:
        response = client_for(alice).post(
            "/api/replies/", {"annotation": mine.pk, "text": "hi", "parent": parent}, format="json"
        )
        assert response.status_code == 400
        return response.json()["errors"]["parent"][0].replace(str(parent), "N")

    missing = error(10**9)
    assert error(their_reply.pk) == missing
    assert error(own_reply.pk) == missing  # a parent on another annotation: the same answer


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.1/", "127.1"),
        ("http://2130706433/", "2130706433"),
        ("http://0x7f000001/", "0x7f000001"),
        ("http://0177.0.0.1/", "0177.0.0.1"),
    ],
)
def test_obfuscated_ipv4_hosts_are_refused_naming_the_host(url, shown):
    with pytest.raises(ValidationError) as refused:
        check_import_url(url)
    message = refused.value.message_dict["url"][0]
    assert shown in message
    assert "127.0.0.1" in message
    assert "not an http(s) URL" not in message


def test_a_name_resolving_to_a_private_address_is_refused_at_submission(monkeypatch, alice, team_a):
    monkeypatch.setattr(urlfetch, "_system_resolver", lambda host, port: ["10.1.2.3"])
    response = client_for(alice).post(
        "/api/articles/import-url/",
        {"team": team_a.pk, "url": "https://intranet.example/report"},
        format="json",
    )
    assert response.status_code == 400
    assert "10.1.2.3" in response.json()["errors"]["url"][0]


def test_a_name_that_does_not_resolve_yet_is_left_to_the_fetch(monkeypatch):
    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror("temporary failure")

    monkeypatch.setattr(urlfetch, "_system_resolver", fail)
    assert check_import_url("https://news.example/a") == "https://news.example/a"


def test_an_empty_submit_does_not_open_a_blind_article(desk, alice, dana):
    Article.objects.filter(pk=desk.pk).update(blind=True)
    hidden = _annotate(desk, dana, "Kirby said")
    response = client_for(alice).post(f"/api/articles/{desk.pk}/submit/", {}, format="json")
    assert response.status_code == 400
    assert "nothing_to_add" in response.json()["errors"]
    assert not ArticleSubmission.objects.filter(user=alice).exists()
    assert hidden.pk not in Annotation.objects.visible_to(alice).values_list("pk", flat=True)


def test_nothing_to_add_opens_the_article_and_counts_in_agreement(desk, alice, dana, team_a):
    Article.objects.filter(pk=desk.pk).update(blind=True)
    theirs = _annotate(desk, dana, "Kirby said")
    response = client_for(alice).post(
        f"/api/articles/{desk.pk}/submit/", {"nothing_to_add": True}, format="json"
    )
    assert response.status_code == 200
    assert theirs.pk in Annotation.objects.visible_to(alice).values_list("pk", flat=True)
    article_submit(article=desk, actor=dana)
    (figures,) = oversight.agreement_report(user=alice, team=team_a)
    assert figures.annotators == ["alice", "dana"]
    assert figures.result is not None
    (pair,) = figures.result.pairs
    assert (pair.spans_a, pair.spans_b, pair.exact_f1) == (0, 1, 0.0)


def test_nothing_to_add_is_refused_when_one_has_work(desk, alice):
    _annotate(desk, alice, "Kirby said")
    with pytest.raises(ValidationError) as refused:
        article_submit(article=desk, actor=alice, nothing_to_add=True)
    assert "nothing_to_add" in refused.value.message_dict
