"""The dashboard's snapshots (models/selectors/services ``summaries``), the review queue's
paging and the agreement report's limit: what keeps those pages flat as a team grows.

Personas (tests/conftest.py): alice is an analyst and bob a reviewer in team A; carol is an
analyst in team B; dave is a second analyst of team A and olga its owner.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from annotations.models import Annotation, Article, DashboardSnapshot, Membership
from annotations.selectors import oversight
from annotations.selectors.summaries import dashboard_snapshot
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_submit,
    annotation_undelete,
    annotation_update,
    review_create,
)
from annotations.services.summaries import (
    dashboard_snapshot_store,
    dashboard_snapshots_refresh,
    dashboard_view,
)
from annotations.services.teams import membership_set
from tests.factories import make_article
from tests.test_team_pages import build_desk, build_desk_b, span

pytestmark = pytest.mark.django_db

TEXT = "Kirby said the troops traveled by ship. Putin denied it."


@pytest.fixture
def desk(team_a, alice, bob, dave, olga, tags_a):
    return build_desk(team_a=team_a, alice=alice, bob=bob, dave=dave, tags_a=tags_a)


@pytest.fixture
def desk_b(team_b, carol):
    return build_desk_b(team_b=team_b, carol=carol)


@pytest.fixture(autouse=True)
def _cheap_unless_marked(monkeypatch):
    """On a loaded machine computing the small test dashboard may cost over half a second:
    snapshots count as expensive only when a test marks them so."""
    from annotations.selectors import summaries

    monkeypatch.setattr(summaries, "EXPENSIVE_SECONDS", 60.0)


def expensive(team, user) -> None:
    """Mark the user's snapshot as one that cost a minute to compute (a large team's)."""
    DashboardSnapshot.objects.filter(team=team, user=user).update(seconds=61.0)


def test_snapshot_is_per_viewer_and_keeps_private_notes_out(desk, alice, bob):
    team = desk["article"].team
    dashboard_snapshot_store(user=alice, team=team)
    dashboard_snapshot_store(user=bob, team=team)
    # alice's private note is in her own snapshot only.
    assert dashboard_snapshot(user=alice, team=team)[0]["annotations"] == 4
    assert dashboard_snapshot(user=bob, team=team)[0]["annotations"] == 3
    assert DashboardSnapshot.objects.filter(team=team).count() == 2


def test_snapshot_is_not_served_to_another_team(desk, desk_b, alice, carol):
    team_a = desk["article"].team
    dashboard_snapshot_store(user=alice, team=team_a)
    assert dashboard_snapshot(user=carol, team=team_a) is None
    data, _ = dashboard_view(user=carol, team=desk_b.team)
    assert data["team"] == desk_b.team.pk
    assert data["annotations"] == 1


def test_current_snapshot_served_then_recomputed_after_each_change(desk, alice, bob, tags_a):
    team = desk["article"].team
    dashboard_snapshot_store(user=bob, team=team)
    data, as_of = dashboard_view(user=bob, team=team)
    assert (data["annotations"], as_of) == (3, None)

    # Create, update, submit, review, delete, restore: each is an event, after which a cheap
    # snapshot is no longer served but computed anew (and kept).
    a = annotation_create(
        article=desk["article"], author=alice, **span(desk["article"].text, "ship"), tags=[]
    )
    assert dashboard_snapshot(user=bob, team=team) is None
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 4
    assert dashboard_view(user=bob, team=team)[0]["untagged"] == 1

    annotation_update(annotation=a, actor=alice, assessment=Annotation.Assessment.DISPUTED)
    counts = {
        r["value"]: r["count"] for r in dashboard_view(user=bob, team=team)[0]["by_assessment"]
    }
    assert counts["disputed"] == 2

    annotation_submit(annotation=a, actor=alice)
    review_create(annotation=a, reviewer=bob, verdict="approve")
    by_reviewer = {
        r["reviewer"]["username"]: r for r in dashboard_view(user=bob, team=team)[0]["by_reviewer"]
    }
    assert by_reviewer["bob"]["approve"] == 2

    annotation_delete(annotation=a, actor=alice)
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 3
    annotation_undelete(annotation=a, actor=alice)
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 4


def test_expensive_snapshot_served_stale_within_the_bound_with_as_of(desk, alice, bob, settings):
    team = desk["article"].team
    dashboard_snapshot_store(user=bob, team=team)
    expensive(team, bob)
    annotation_create(
        article=desk["article"], author=alice, **span(desk["article"].text, "ship"), tags=[]
    )
    data, as_of = dashboard_view(user=bob, team=team)
    assert data["annotations"] == 3
    assert as_of is not None

    # The periodic refresh brings it up to date.
    assert dashboard_snapshots_refresh() == 1
    data, as_of = dashboard_view(user=bob, team=team)
    assert (data["annotations"], as_of) == (4, None)
    assert dashboard_snapshots_refresh() == 0  # nothing changed since

    # Past the bound a stale snapshot is not served at all.
    expensive(team, bob)
    annotation_create(
        article=desk["article"], author=alice, **span(desk["article"].text, "Kirby"), tags=[]
    )
    DashboardSnapshot.objects.filter(team=team, user=bob).update(
        computed_at=timezone.now()
        - timedelta(seconds=settings.NEWSNOTES_DASHBOARD_STALE_SECONDS + 1)
    )
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 5


def test_role_change_or_blinding_invalidates_even_an_expensive_snapshot(desk, alice, bob, dave):
    team = desk["article"].team
    # bob, a reviewer, sees dave's work on a blind article; demoted, he must not.
    article = make_article(team=team, text=TEXT, title="Blind one")
    Article.objects.filter(pk=article.pk).update(blind=True)
    annotation_create(article=article, author=dave, **span(TEXT, "Putin denied it"), tags=[])
    dashboard_snapshot_store(user=bob, team=team)
    expensive(team, bob)
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 4
    membership_set(team=team, user=bob, role=Membership.Role.ANALYST)
    assert dashboard_snapshot(user=bob, team=team) is None
    assert dashboard_view(user=bob, team=team)[0]["annotations"] == 3

    # alice's snapshot counted dave's work on an open article; the article turns blind.
    dashboard_snapshot_store(user=alice, team=team)
    expensive(team, alice)
    before = dashboard_view(user=alice, team=team)[0]["annotations"]
    desk["article"].blind = True
    desk["article"].save()
    assert dashboard_snapshot(user=alice, team=team) is None
    assert dashboard_view(user=alice, team=team)[0]["annotations"] < before


def test_refresh_drops_snapshots_of_people_who_left(desk, alice):
    team = desk["article"].team
    dashboard_snapshot_store(user=alice, team=team)
    Membership.objects.filter(team=team, user=alice).delete()
    annotation_create(
        article=desk["article"],
        author=desk["a3"].author,
        **span(desk["article"].text, "ship"),
        tags=[],
    )
    dashboard_snapshots_refresh()
    assert not DashboardSnapshot.objects.filter(user=alice).exists()


def test_dashboard_page_says_as_of_when_stale(client, desk, alice, bob):
    team = desk["article"].team
    client.force_login(bob)
    assert "data-as-of" not in client.get(reverse("annotations:dashboard")).content.decode()
    expensive(team, bob)
    annotation_create(
        article=desk["article"], author=alice, **span(desk["article"].text, "ship"), tags=[]
    )
    html = client.get(reverse("annotations:dashboard")).content.decode()
    assert "data-as-of" in html
    assert "as of" in html


# --- The review queue reads each group up to the page's length ----------------------------------


def test_queue_pages_in_the_database_and_caps_counts(client, team_a, alice, bob, monkeypatch):
    monkeypatch.setattr(oversight, "QUEUE_LIMIT", 3)
    monkeypatch.setattr(oversight, "QUEUE_COUNT_CAP", 4)
    article = make_article(team=team_a, text=TEXT * 3, title="Many")
    made = []
    for n in range(6):
        a = annotation_create(article=article, author=alice, start=n, end=n + 5, tags=[])
        annotation_submit(annotation=a, actor=alice)
        made.append(a)
    client.force_login(bob)
    response = client.get(reverse("annotations:review-queue"))
    groups = {g["state"]: g for g in response.context["groups"]}
    submitted = groups["submitted"]
    assert [a.pk for a in submitted["items"]] == [a.pk for a in made[:3]]  # the oldest first
    assert (submitted["count"], submitted["capped"]) == (4, True)
    assert response.context["capped"] is True
    assert "4+ awaiting a verdict" in response.content.decode()


def test_queue_article_filter_lists_articles_with_work_awaiting(client, team_a, alice, bob):
    waiting = make_article(team=team_a, text=TEXT, title="Waiting")
    idle = make_article(team=team_a, text=TEXT, title="Idle")
    a = annotation_create(article=waiting, author=alice, **span(TEXT, "Putin"), tags=[])
    annotation_submit(annotation=a, actor=alice)
    annotation_create(article=idle, author=alice, **span(TEXT, "Putin"), tags=[])
    client.force_login(bob)
    articles = list(client.get(reverse("annotations:review-queue")).context["articles"])
    assert articles == [waiting]


# --- Agreement reports the newest compared articles ----------------------------------------------


def test_agreement_reports_the_newest_compared_articles(team_a, alice, dave, bob):
    now = timezone.now()
    articles = []
    for n in range(3):
        article = make_article(
            team=team_a, text=TEXT, title=f"A{n}", published_at=now - timedelta(days=n)
        )
        annotation_create(article=article, author=alice, **span(TEXT, "Putin denied it"), tags=[])
        annotation_create(article=article, author=dave, **span(TEXT, "Putin"), tags=[])
        articles.append(article)
    single = make_article(team=team_a, text=TEXT, title="One annotator", published_at=now)
    annotation_create(article=single, author=alice, **span(TEXT, "Putin"), tags=[])
    # A private note does not make a second annotator.
    annotation_create(
        article=single,
        author=dave,
        **span(TEXT, "Kirby"),
        tags=[],
        visibility=Annotation.Visibility.PRIVATE,
    )
    report = oversight.agreement_report(user=bob, team=team_a, limit=2)
    assert [f.article.pk for f in report] == [articles[0].pk, articles[1].pk]
    assert report[0].annotators == ["alice", "dave"]
    full = oversight.agreement_report(user=bob, team=team_a)
    assert [f.article.pk for f in full] == [a.pk for a in articles]


# --- Notifications and the entity page read bounded rows ------------------------------------------


def test_notifications_hide_annotations_the_user_cannot_see(client, team_a, alice, dave):
    from annotations.models import Notification

    article = make_article(team=team_a, text=TEXT, title="N")
    shown = annotation_create(article=article, author=dave, **span(TEXT, "Putin"), tags=[])
    trashed = annotation_create(article=article, author=dave, **span(TEXT, "Kirby"), tags=[])
    for a in (shown, trashed):
        Notification.objects.create(user=alice, actor=dave, kind="mention", annotation=a)
    Notification.objects.create(user=alice, actor=dave, kind="mention", annotation=None)
    annotation_delete(annotation=trashed, actor=dave)
    client.force_login(alice)
    rows = client.get("/api/notifications/").json()["results"]
    assert sorted(r["annotation"] for r in rows if r["annotation"]) == [shown.pk]
    assert len(rows) == 2


def test_entity_page_shows_the_newest_mentions(client, team_a, alice, monkeypatch):
    from annotations.models import Entity, Mention
    from annotations.views import entities

    monkeypatch.setattr(entities, "MENTIONS_SHOWN", 2)
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    now = timezone.now()
    made = []
    for n in range(3):
        article = make_article(
            team=team_a, text=TEXT, title=f"K{n}", published_at=now - timedelta(days=n)
        )
        made.append(
            Mention.objects.create(
                article=article, entity=kirby, start=0, end=5, text="Kirby", label="PERSON"
            )
        )
    client.force_login(alice)
    response = client.get(reverse("annotations:entity-detail", args=[kirby.pk]))
    shown = [m["mention"].pk for a in response.context["articles"] for m in a["mentions"]]
    assert shown == [made[0].pk, made[1].pk]
    assert "(the newest 2 shown)" in response.content.decode()
