"""The review queue, dashboard and agreement pages (and the data behind them) on hand-made data.

Personas (tests/conftest.py): alice is an analyst and bob a reviewer in team A; carol is an
analyst in team B; dave is a second analyst of team A and olga its owner.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.lib.agreement import CSV_COLUMNS
from annotations.models import Annotation, Article, Entity, Mention
from annotations.selectors import oversight
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_submit,
    article_submit,
    review_create,
)
from tests.factories import UserFactory, make_article

TEXT = (
    "Kirby said the troops traveled by ship. Putin denied it. "
    "Kirby added that Seoul was told. Secret plans leaked."
)


def span(text: str, quote: str) -> dict[str, int]:
    start = text.index(quote)
    return {"start": start, "end": start + len(quote)}


def mention(article: Article, entity: Entity, quote: str, occurrence: int = 0) -> Mention:
    start = -1
    for _ in range(occurrence + 1):
        start = article.text.index(quote, start + 1)
    return Mention.objects.create(
        article=article,
        entity=entity,
        start=start,
        end=start + len(quote),
        text=quote,
        label=entity.kind,
    )


def build_desk(*, team_a, alice, bob, dave, tags_a) -> dict:
    """Team A's hand-made data set; the expected numbers are in the tests (olga, the owner,
    is expected to exist too)."""
    article = make_article(team=team_a, text=TEXT, title="Kirby on the troops")
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    putin = Entity.objects.create(team=team_a, name="Vladimir Putin", kind=Entity.Kind.PERSON)
    mention(article, kirby, "Kirby")  # "Kirby said": inside no claim
    mention(article, kirby, "Kirby", occurrence=1)  # inside a3
    mention(article, putin, "Putin")  # inside a2, which is also attributed to Putin

    a1 = annotation_create(
        article=article,
        author=alice,
        **span(TEXT, "the troops traveled by ship"),
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
        assessment=Annotation.Assessment.SUPPORTED,
        comment="Check the port records.",
    )
    a2 = annotation_create(
        article=article,
        author=alice,
        **span(TEXT, "Putin denied it"),
        tags=[tags_a["denial"]],  # a tag of kind "claim"
        attributed_to_entity=putin,
        assessment=Annotation.Assessment.DISPUTED,
    )
    a3 = annotation_create(
        article=article,
        author=dave,
        **span(TEXT, "Kirby added that Seoul was told"),
        tags=[tags_a["claim"]],
    )
    # alice's private note: only alice counts it, and nobody else sees its words.
    a4 = annotation_create(
        article=article,
        author=alice,
        **span(TEXT, "Secret plans leaked"),
        tags=[tags_a["opinion"]],
        visibility=Annotation.Visibility.PRIVATE,
    )
    # In the trash: counted by nobody.
    a5 = annotation_create(
        article=article, author=dave, **span(TEXT, "troops"), tags=[tags_a["claim"]]
    )
    annotation_delete(annotation=a5, actor=dave)
    # A model suggestion nobody accepted: not counted.
    annotation_create(
        article=article,
        author=alice,
        **span(TEXT, "Seoul"),
        tags=[tags_a["claim"]],
        attributed_to_entity=kirby,
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    for a in (a1, a2):
        annotation_submit(annotation=a, actor=alice)
    review_create(annotation=a1, reviewer=bob, verdict="approve")
    review_create(annotation=a2, reviewer=bob, verdict="request_changes", note="Which day?")
    return {
        "article": article,
        "kirby": kirby,
        "putin": putin,
        "a1": a1,
        "a2": a2,
        "a3": a3,
        "a4": a4,
    }


@pytest.fixture
def desk(team_a, alice, bob, dave, olga, tags_a):
    return build_desk(team_a=team_a, alice=alice, bob=bob, dave=dave, tags_a=tags_a)


def build_desk_b(*, team_b, carol) -> Article:
    from annotations.models import Tag

    article = make_article(team=team_b, text="Team B keeps this to itself.", title="B's own")
    annotation_create(
        article=article,
        author=carol,
        start=0,
        end=len("Team B keeps"),
        tags=[Tag.objects.get(team=team_b, slug="claim")],
    )
    annotation_submit(annotation=article.annotations.get(), actor=carol)
    return article


@pytest.fixture
def desk_b(team_b, carol):
    return build_desk_b(team_b=team_b, carol=carol)


def counts(rows: list[dict], key: str = "value") -> dict:
    return {row[key]: row["count"] for row in rows}


# --- Access -------------------------------------------------------------------------------------

PAGES = ["review-queue", "dashboard", "agreement", "agreement-csv"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_answer_members(client, alice, bob, olga, name):
    for user in (alice, bob, olga):
        client.force_login(user)
        assert client.get(reverse(f"annotations:{name}")).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_pages_send_anonymous_visitors_to_sign_in(client, team_a, name):
    response = client.get(reverse(f"annotations:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_urls():
    assert reverse("annotations:review-queue") == "/review/"
    assert reverse("annotations:dashboard") == "/dashboard/"
    assert reverse("annotations:agreement") == "/agreement/"
    assert reverse("annotations:agreement-csv") == "/agreement.csv"


@pytest.mark.parametrize("name", ["review-queue", "dashboard", "agreement"])
def test_nav_links_mark_the_current_page(client, alice, name):
    client.force_login(alice)
    html = client.get(reverse(f"annotations:{name}")).content.decode()
    assert f'href="{reverse(f"annotations:{name}")}" aria-current="page"' in html
    for other in ("review-queue", "dashboard", "agreement"):
        assert f'href="{reverse(f"annotations:{other}")}"' in html


@pytest.mark.parametrize("name", ["review-queue", "dashboard", "agreement"])
def test_a_user_without_a_team_is_told_so(client, db, name):
    client.force_login(UserFactory(username="loner"))
    response = client.get(reverse(f"annotations:{name}"))
    assert response.status_code == 200
    assert "You are not in a team" in response.content.decode()


@pytest.mark.parametrize("name", ["review-queue", "dashboard", "agreement", "agreement-csv"])
def test_team_b_sees_nothing_of_team_a(client, desk, desk_b, carol, name):
    client.force_login(carol)
    body = client.get(reverse(f"annotations:{name}")).content.decode()
    for words in ("Kirby", "troops", "Putin", "Secret plans", "alice", "dave"):
        assert words not in body
    if name == "review-queue":
        assert "Team B keeps" in body


# --- Review queue -------------------------------------------------------------------------------


def test_queue_orders_groups_then_age(client, desk, bob, alice, dave, tags_a):
    article = desk["article"]
    # A third, newer submission, and a dispute: submitted first, then disputed, then changes
    # requested; the oldest first within each group.
    newer = annotation_create(
        article=article, author=dave, **span(TEXT, "Seoul was told"), tags=[tags_a["claim"]]
    )
    annotation_submit(annotation=desk["a3"], actor=dave)
    annotation_submit(annotation=newer, actor=dave)
    review_create(annotation=desk["a3"], reviewer=bob, verdict="dispute", note="Not in the text")
    client.force_login(bob)
    response = client.get(reverse("annotations:review-queue"))
    groups = response.context["groups"]
    assert [g["state"] for g in groups] == ["submitted", "disputed", "changes_requested"]
    assert [[a.pk for a in g["items"]] for g in groups] == [
        [newer.pk],
        [desk["a3"].pk],
        [desk["a2"].pk],
    ]
    assert response.context["total"] == 3
    html = response.content.decode()
    # Approved work (a1) is not in the queue; the latest verdict and its note are shown.
    assert f'id="q-{desk["a1"].pk}"' not in html
    assert "Which day?" in html
    assert f'href="/articles/{article.pk}/#a-{desk["a2"].pk}"' in html
    # Context words around the quote, tags, attribution and the buttons for a reviewer.
    assert "Putin denied it" in html
    assert 'data-verdict="approve"' in html


def test_queue_shows_context_comment_attribution(client, desk, bob, alice):
    review_create(annotation=desk["a1"], reviewer=bob, verdict="dispute", note="Odd claim")
    client.force_login(bob)
    response = client.get(reverse("annotations:review-queue"))
    item = next(a for g in response.context["groups"] for a in g["items"] if a == desk["a1"])
    assert item.context_before == "Kirby said "
    assert item.context_after == ". Putin denied it. Kirby added…"
    html = response.content.decode()
    assert "Check the port records." in html
    assert "John Kirby" in html
    assert "Odd claim" in html


def test_queue_filters(client, desk, bob, alice, tags_a):
    annotation_create(
        article=desk["article"], author=alice, **span(TEXT, "Seoul"), tags=[tags_a["figure"]]
    )
    seoul = Annotation.objects.get(exact="Seoul", origin="analyst")
    annotation_submit(annotation=seoul, actor=alice)
    client.force_login(bob)
    url = reverse("annotations:review-queue")

    def ids(**params: str) -> list[int]:
        response = client.get(url, params)
        return [a.pk for g in response.context["groups"] for a in g["items"]]

    assert len(ids()) == 2
    assert ids(tag="denial") == [desk["a2"].pk]
    assert ids(assessment="disputed") == [desk["a2"].pk]
    assert ids(author=str(bob.pk)) == []
    assert len(ids(author=str(alice.pk), article=str(desk["article"].pk))) == 2
    response = client.get(url, {"article": "nope"})
    assert response.status_code == 200
    assert "Nothing in the queue matches these filters" in response.content.decode()


def test_queue_is_read_only_for_analysts(client, desk, alice):
    client.force_login(alice)
    html = client.get(reverse("annotations:review-queue")).content.decode()
    assert "Read-only for you" in html
    assert "data-verdict=" not in html
    assert "Putin denied it" in html


def test_queue_hides_blind_work_from_analysts_who_have_not_submitted(
    client, desk, alice, dave, tags_a
):
    Article.objects.filter(pk=desk["article"].pk).update(blind=True)
    client.force_login(dave)
    html = client.get(reverse("annotations:review-queue")).content.decode()
    assert "Putin denied it" not in html
    article_submit(article=desk["article"], actor=dave)
    html = client.get(reverse("annotations:review-queue")).content.decode()
    assert "Putin denied it" in html


def test_queue_runs_a_fixed_number_of_queries(client, desk, bob, alice, tags_a):
    client.force_login(bob)
    url = reverse("annotations:review-queue")

    def add(n: int) -> None:
        a = annotation_create(
            article=desk["article"],
            author=alice,
            start=n,
            end=n + 10,
            tags=[tags_a["claim"], tags_a["source"]],
            attributed_to_entity=desk["kirby"],
            attributed_to=desk["a1"],
        )
        annotation_submit(annotation=a, actor=alice)
        review_create(annotation=a, reviewer=bob, verdict="dispute", note=f"note {n}")

    add(0)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(1, 7):
        add(n)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) == len(few)
    assert response.context["total"] == 8


# --- Dashboard ----------------------------------------------------------------------------------


def test_dashboard_numbers(desk, bob, olga, alice):
    data = oversight.dashboard(user=bob, team=desk["article"].team)
    # Visible to bob: a1, a2, a3 (a4 is alice's private note, a5 is in the trash, the
    # suggestion is pending).
    assert data["annotations"] == 3
    assert counts(data["by_assessment"]) == {
        "unverified": 1,
        "supported": 1,
        "disputed": 1,
        "false": 0,
        "misleading": 0,
    }
    assert counts(data["by_review_state"]) == {
        "draft": 1,
        "submitted": 0,
        "approved": 1,
        "changes_requested": 1,
        "disputed": 0,
    }
    by_tag = {row["tag"]["slug"]: row["count"] for row in data["by_tag"]}
    assert by_tag == {
        "claim": 2,
        "source": 0,
        "evidence": 0,
        "figure": 0,
        "opinion": 0,
        "denial": 1,
        "context": 0,
    }
    assert data["untagged"] == 0
    reviewers = {row["reviewer"]["username"]: row for row in data["by_reviewer"]}
    assert set(reviewers) == {"bob", "olga"}  # reviewers and owners, even without verdicts
    assert {k: reviewers["bob"][k] for k in ("approve", "request_changes", "dispute", "total")} == {
        "approve": 1,
        "request_changes": 1,
        "dispute": 0,
        "total": 2,
    }
    assert reviewers["olga"]["total"] == 0
    # Kirby: a1 attributed to him, a3 names him within its span -> 2 claims.
    # Putin: a2 is attributed to him AND names him -> 1 claim, counted once.
    top = {row["entity"]["name"]: row for row in data["top_claim_entities"]}
    assert {name: row["claims"] for name, row in top.items()} == {
        "John Kirby": 2,
        "Vladimir Putin": 1,
    }
    assert (top["John Kirby"]["attributed"], top["John Kirby"]["mentioned"]) == (1, 1)
    assert (top["Vladimir Putin"]["attributed"], top["Vladimir Putin"]["mentioned"]) == (1, 1)
    assert data["top_claim_entities"][0]["entity"]["name"] == "John Kirby"
    who = {g["entity"]["name"]: [c["id"] for c in g["claims"]] for g in data["who_claims_what"]}
    assert who == {"John Kirby": [desk["a1"].pk], "Vladimir Putin": [desk["a2"].pk]}
    claim = data["who_claims_what"][0]["claims"][0]
    assert claim["article"]["title"] == "Kirby on the troops"
    assert (claim["assessment"], claim["review_state"]) == ("supported", "approved")


def test_dashboard_counts_the_authors_own_private_note(desk, alice):
    data = oversight.dashboard(user=alice, team=desk["article"].team)
    assert data["annotations"] == 4
    assert {row["tag"]["slug"]: row["count"] for row in data["by_tag"]}["opinion"] == 1


def test_dashboard_page_shows_the_numbers(client, desk, bob):
    client.force_login(bob)
    response = client.get(reverse("annotations:dashboard"))
    html = response.content.decode()
    assert response.context["data"]["annotations"] == 3
    assert 'data-reviewer="bob"' in html
    assert f'id="who-{desk["kirby"].pk}"' in html
    assert f'href="/articles/{desk["article"].pk}/#a-{desk["a1"].pk}"' in html


def test_activity_feed_keeps_private_and_deleted_annotations_to_themselves(client, desk, bob, dave):
    client.force_login(bob)
    html = client.get(reverse("annotations:dashboard")).content.decode()
    assert "Secret plans leaked" not in html  # alice's private note
    assert "Kirby added that Seoul was told" in html  # dave's shared annotation
    data = oversight.dashboard(user=bob, team=desk["article"].team)
    annotation_ids = {e["annotation"] for e in data["activity"]}
    assert desk["a4"].pk not in annotation_ids
    trashed = Annotation.objects.get(exact="troops", deleted_at__isnull=False)
    assert trashed.pk not in annotation_ids
    assert {e["kind"] for e in data["activity"]} >= {
        "annotation.created",
        "annotation.submitted",
        "annotation.reviewed",
    }
    # Newest first.
    ids = [e["id"] for e in data["activity"]]
    assert ids == sorted(ids, reverse=True)
    # alice sees her own private note's events.
    client.force_login(desk["a4"].author)
    assert "Secret plans leaked" in client.get(reverse("annotations:dashboard")).content.decode()


def test_activity_feed_shows_at_most_fifty_events(desk, bob, alice, tags_a):
    for n in range(60):
        annotation_create(article=desk["article"], author=alice, start=n, end=n + 3)
    # The newest is alice's private note: left out, and the feed still has 50 events.
    private = annotation_create(
        article=desk["article"], author=alice, start=0, end=3, visibility="private"
    )
    data = oversight.dashboard(user=bob, team=desk["article"].team)
    assert len(data["activity"]) == oversight.ACTIVITY_LIMIT
    assert private.pk not in {e["annotation"] for e in data["activity"]}


def test_dashboard_runs_a_fixed_number_of_queries(desk, bob, alice, dave, tags_a):
    team = desk["article"].team
    with CaptureQueriesContext(connection) as few:
        oversight.dashboard(user=bob, team=team)
    other = make_article(team=team, text=TEXT, title="Second")
    for entity in (desk["kirby"], desk["putin"]):
        mention(other, entity, entity.name.split()[-1])
    for n in range(8):
        a = annotation_create(
            article=other,
            author=alice if n % 2 else dave,
            start=n,
            end=n + 30,
            tags=[tags_a["claim"], tags_a["figure"]],
            attributed_to_entity=desk["putin"] if n % 2 else desk["kirby"],
        )
        annotation_submit(annotation=a, actor=a.author)
        review_create(annotation=a, reviewer=bob, verdict="dispute", note="why")
    with CaptureQueriesContext(connection) as many:
        data = oversight.dashboard(user=bob, team=team)
    assert len(many) == len(few)
    assert data["annotations"] == 11


# --- Agreement ----------------------------------------------------------------------------------

PLAIN = "abcdefghij" * 10  # offsets are easy to read: 100 code points


@pytest.fixture
def two_analysts(team_a, alice, dave, olga, tags_a):
    return build_two_analysts(team_a=team_a, alice=alice, dave=dave, olga=olga, tags_a=tags_a)


def build_two_analysts(*, team_a, alice, dave, olga, tags_a) -> Article:
    """alice and dave annotate the same article; the figures are worked out by hand below."""
    article = make_article(team=team_a, text=PLAIN, title="Two analysts")
    t = tags_a

    def mark(author, start, end, *tags, **kwargs):
        return annotation_create(
            article=article, author=author, start=start, end=end, tags=list(tags), **kwargs
        )

    mark(alice, 0, 10, t["claim"])
    mark(alice, 20, 30, t["source"])
    mark(alice, 40, 50, t["claim"])
    mark(alice, 80, 90, t["claim"])
    mark(dave, 0, 10, t["claim"])
    mark(dave, 22, 30, t["source"])
    mark(dave, 60, 70, t["opinion"])
    mark(dave, 80, 90, t["source"])
    # None of these count: a private note, a trashed annotation, a model suggestion, and
    # olga's only annotation is private (so she is not a third annotator).
    mark(alice, 50, 60, t["claim"], visibility=Annotation.Visibility.PRIVATE)
    annotation_delete(annotation=mark(dave, 30, 40, t["claim"]), actor=dave)
    mark(
        alice,
        90,
        100,
        t["claim"],
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    mark(olga, 0, 10, t["claim"], visibility=Annotation.Visibility.PRIVATE)
    # One analyst only: not compared.
    make_article(team=team_a, text=PLAIN, title="One analyst")
    lone = Article.objects.get(title="One analyst")
    mark_lone = annotation_create(article=lone, author=alice, start=0, end=5)
    assert mark_lone.pk
    return article


def test_agreement_figures_match_hand_computed_values(two_analysts, bob):
    report = oversight.agreement_report(user=bob, team=two_analysts.team)
    assert [f.article.pk for f in report] == [two_analysts.pk]
    figures = report[0]
    assert figures.annotators == ["alice", "dave"]
    result = figures.result
    (pair,) = result.pairs
    assert (pair.a, pair.b, pair.spans_a, pair.spans_b) == ("alice", "dave", 4, 4)
    # Exact: [0,10) and [80,90) match -> m = 2: P = R = 2/4, F1 = 2*2/(4+4) = 0.5.
    assert (pair.exact_precision, pair.exact_recall, pair.exact_f1) == (0.5, 0.5, 0.5)
    # Partial: also [20,30)~[22,30) -> m = 3: P = R = F1 = 3/4.
    assert (pair.partial_precision, pair.partial_recall, pair.partial_f1) == (0.75, 0.75, 0.75)
    assert pair.matched == 3
    # Labels of the matched pairs: (claim, claim), (source, source), (claim, source).
    # p_o = 2/3; alice: claim 2, source 1; dave: claim 1, source 2;
    # p_e = (2*1 + 1*2)/9 = 4/9; kappa = (6/9 - 4/9) / (1 - 4/9) = 2/5.
    assert pair.tag_kappa == pytest.approx(0.4)
    assert pair.tag_observed == pytest.approx(2 / 3)
    # Alpha: pairable units (claim, claim), (source, source), (claim, source);
    # o_cc = 2, o_ss = 2, o_cs = o_sc = 1; n_c = n_s = 3, n = 6;
    # alpha = 1 - (n-1) * 2 / (3*3 + 3*3) = 1 - 10/18 = 4/9.
    assert result.tag_alpha == pytest.approx(4 / 9)
    assert result.mean_exact_f1 == 0.5
    assert result.mean_partial_f1 == 0.75


def test_agreement_label_is_the_first_tag_by_position(team_a, alice, dave, tags_a):
    article = make_article(team=team_a, text=PLAIN, title="Labels")
    # Tags given in another order: the primary tag is the team's first by position (claim).
    annotation_create(
        article=article, author=alice, start=0, end=10, tags=[tags_a["source"], tags_a["claim"]]
    )
    annotation_create(article=article, author=dave, start=0, end=10)
    spans = oversight.agreement_spans(team=team_a)[article.pk]
    assert {(s.annotator, s.label) for s in spans} == {("alice", "claim"), ("dave", None)}


def test_agreement_page(client, two_analysts, bob):
    client.force_login(bob)
    response = client.get(reverse("annotations:agreement"))
    html = response.content.decode()
    assert "Blind mode" in html
    assert "Two analysts" in html
    assert 'data-figure="mean_exact_f1">0.50<' in html
    assert 'data-figure="mean_partial_f1">0.75<' in html
    assert 'data-figure="tag_alpha">0.44<' in html
    assert 'data-figure="tag_kappa">0.40<' in html
    assert "data-blind-toggle" not in html  # only owners turn blind mode on or off


def test_agreement_page_invites_analysts_to_submit_their_work(client, two_analysts, alice, dave):
    client.force_login(alice)
    html = client.get(reverse("annotations:agreement")).content.decode()
    assert "Submit my work on this article" in html
    assert f'href="/articles/{two_analysts.pk}/"' in html
    article_submit(article=two_analysts, actor=alice)
    html = client.get(reverse("annotations:agreement")).content.decode()
    assert "Submit my work on this article" not in html


def test_agreement_page_lets_owners_toggle_blind_mode(client, two_analysts, olga):
    client.force_login(olga)
    html = client.get(reverse("annotations:agreement")).content.decode()
    assert f'data-blind-toggle="{two_analysts.pk}"' in html
    lone = Article.objects.get(title="One analyst")
    assert f'data-blind-toggle="{lone.pk}"' in html  # in "Blind mode for other articles"


def test_blind_figures_wait_for_the_analysts_own_submission(client, two_analysts, alice, bob):
    Article.objects.filter(pk=two_analysts.pk).update(blind=True)
    client.force_login(alice)
    html = client.get(reverse("annotations:agreement")).content.decode()
    assert "Submit my work on this article" in html
    assert f'href="/articles/{two_analysts.pk}/"' in html
    assert 'data-figure="mean_exact_f1"' not in html
    assert client.get(reverse("annotations:agreement-csv")).content.decode().count("\n") == 1
    # Reviewers see the figures of blind articles; analysts once they have submitted.
    assert oversight.agreement_report(user=bob, team=two_analysts.team)[0].result is not None
    article_submit(article=two_analysts, actor=alice)
    html = client.get(reverse("annotations:agreement")).content.decode()
    assert 'data-figure="mean_exact_f1">0.50<' in html


def test_agreement_csv(client, team_a, two_analysts, bob):
    Article.objects.filter(pk=two_analysts.pk).update(title='=HYPERLINK("http://x.example")')
    client.force_login(bob)
    response = client.get(reverse("annotations:agreement-csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "agreement-desk-a.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 2
    row = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert row["article_title"] == '\'=HYPERLINK("http://x.example")'
    assert row["article_id"] == str(two_analysts.pk)
    assert (row["annotator_a"], row["annotator_b"]) == ("alice", "dave")
    assert (row["exact_f1"], row["partial_f1"], row["matched"]) == ("0.5", "0.75", "3")
    assert row["tag_kappa"] == "0.4"
    assert row["article_tag_alpha"] == "0.4444"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Kirby", "Kirby"),
        (-0.25, -0.25),  # a negative kappa is a number, not a formula
        (None, None),
    ],
)
def test_csv_cells_are_escaped_against_formulas(value, expected):
    assert oversight.csv_cell(value) == expected
