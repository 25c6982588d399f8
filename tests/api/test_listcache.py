"""The annotation list's page cache: served again while true, never once a write changed it.

These tests commit (transaction=True): the cache is bypassed inside a transaction, and content
stamps change when a write commits.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from annotations.api import listcache
from annotations.models import Annotation, Entity, Membership, Tag, Team
from annotations.services import annotations as annotation_services
from annotations.services import articles as article_services
from annotations.services import entities as entity_services
from annotations.services import teams as team_services
from annotations.services.analysis import articles_analyze
from tests.api.conftest import client_for
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    listcache.pages.clear()
    yield
    listcache.pages.clear()


@pytest.fixture
def seeded(article, alice, bob, olga, team_a):
    """Two annotations by alice on the seed article: a tagged claim attributed to Kirby, and
    a source. olga owns the team."""
    kirby = Entity.objects.create(team=team_a, name="John Kirby", kind=Entity.Kind.PERSON)
    claim_tag = Tag.objects.filter(team=team_a, kind=Tag.Kind.CLAIM).order_by("position").first()
    start = article.text.index("the US believes")
    claim = annotation_services.annotation_create(
        article=article,
        author=alice,
        start=start,
        end=start + len("the US believes"),
        tags=[claim_tag],
        attributed_to_entity=kirby,
    )
    start = article.text.index("photographs published")
    source = annotation_services.annotation_create(
        article=article, author=alice, start=start, end=start + len("photographs published")
    )
    return {
        "article": article,
        "claim": claim,
        "source": source,
        "kirby": kirby,
        "tag": claim_tag,
        "owner": olga,
    }


def _url(article) -> str:
    return f"/api/annotations/?article={article.pk}&page_size=1000"


def _get(user, url: str):
    response = client_for(user).get(url)
    assert response.status_code == 200, response.content
    return response


def _fresh(user, url: str) -> bytes:
    """What the list says with nothing cached."""
    listcache.pages.clear()
    return _get(user, url).content


def test_a_repeated_list_is_served_from_the_cache(seeded, alice):
    url = _url(seeded["article"])
    first = _get(alice, url)
    client = client_for(alice)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.content == first.content
    assert len(second.json()["results"]) == 2
    for header in ("Content-Type", "Cache-Control", "Vary", "Allow"):
        assert second.get(header) == first.get(header), header
    # Token, then the reader's teams with their stamps: nothing of the page itself.
    assert len(queries) == 2, "\n".join(q["sql"] for q in queries.captured_queries)
    assert listcache.pages.hits == 1


def _create(ctx, alice, bob, team_a) -> None:
    text = ctx["article"].text
    start = text.index("Vladivostok")
    annotation_services.annotation_create(
        article=ctx["article"], author=alice, start=start, end=start + len("Vladivostok")
    )


def _edit_comment(ctx, alice, bob, team_a) -> None:
    annotation_services.annotation_update(
        annotation=ctx["claim"], actor=alice, comment="Kirby hedges: 'believes'."
    )


def _delete(ctx, alice, bob, team_a) -> None:
    annotation_services.annotation_delete(annotation=ctx["source"], actor=alice)


def _reply(ctx, alice, bob, team_a) -> None:
    annotation_services.reply_create(annotation=ctx["claim"], author=bob, text="Source?")


def _rename_tag(ctx, alice, bob, team_a) -> None:
    team_services.tag_update(
        tag=ctx["tag"], actor=ctx["owner"], name="Official claim", colour="#123456"
    )


def _rename_entity(ctx, alice, bob, team_a) -> None:
    entity_services.entity_update(entity=ctx["kirby"], name="John F. Kirby")


def _merge_entity(ctx, alice, bob, team_a) -> None:
    target = Entity.objects.create(team=team_a, name="Adm. John Kirby", kind=Entity.Kind.PERSON)
    entity_services.entity_merge(target=target, others=[ctx["kirby"]], actor=alice)


def _edit_text(ctx, alice, bob, team_a) -> None:
    article = ctx["article"]
    article_services.article_update_text(
        article=article, text="Update: " + article.text, actor=alice
    )


def _suggestions(ctx, alice, bob, team_a) -> None:
    articles_analyze(article_ids=[ctx["article"].pk])


def _private_to_team(ctx, alice, bob, team_a) -> None:
    annotation_services.annotation_update(
        annotation=ctx["claim"], actor=alice, visibility=Annotation.Visibility.PRIVATE
    )


WRITES: dict[str, Callable[..., None]] = {
    "annotation created": _create,
    "comment edited": _edit_comment,
    "annotation deleted": _delete,
    "reply added": _reply,
    "tag renamed": _rename_tag,
    "entity renamed": _rename_entity,
    "entity merged": _merge_entity,
    "text edited (re-anchored)": _edit_text,
    "model suggestions": _suggestions,
    "made private": _private_to_team,
}


@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_every_write_that_changes_the_list_retires_the_cached_page(
    write, seeded, alice, bob, team_a
):
    url = _url(seeded["article"])
    before = _get(bob, url).content
    assert _get(bob, url).content == before  # cached
    WRITES[write](seeded, alice, bob, team_a)
    after = _get(bob, url).content
    assert after != before
    assert after == _fresh(bob, url)


def test_readers_never_share_pages(seeded, alice, bob, carol):
    url = _url(seeded["article"])
    annotation_services.annotation_update(
        annotation=seeded["source"], actor=alice, visibility=Annotation.Visibility.PRIVATE
    )
    mine = _get(alice, url).json()["results"]
    bobs = _get(bob, url).json()["results"]
    carols = _get(carol, url).json()["results"]
    assert len(mine) == 2
    assert [a["id"] for a in bobs] == [seeded["claim"].pk]  # alice's private one is hers
    assert carols == []  # another team's article


def test_a_member_who_leaves_no_longer_gets_the_page(seeded, alice, bob):
    url = _url(seeded["article"])
    assert len(_get(bob, url).json()["results"]) == 2
    team_services.membership_remove(membership=bob.memberships.get(), actor=bob)
    assert _get(bob, url).json()["results"] == []


def test_blind_mode_hides_teammates_work_at_once(seeded, team_a, django_user_model):
    dave = django_user_model.objects.create_user(username="dave")
    Membership.objects.create(team=team_a, user=dave, role=Membership.Role.ANALYST)
    url = _url(seeded["article"])
    assert len(_get(dave, url).json()["results"]) == 2
    article_services.article_edit(article=seeded["article"], actor=seeded["owner"], blind=True)
    assert _get(dave, url).json()["results"] == []


def test_errors_are_not_cached(seeded, alice):
    url = f"/api/annotations/?article={seeded['article'].pk}&created_after=not-a-date"
    for _ in range(2):
        response = client_for(alice).get(url)
        assert response.status_code == 400
        assert "created_after" in response.json()["errors"]
    assert listcache.pages.hits == 0


def test_nothing_is_cached_inside_a_transaction(seeded, alice):
    url = _url(seeded["article"])
    with transaction.atomic():
        _get(alice, url)
        _get(alice, url)
    assert (listcache.pages.hits, len(listcache.pages)) == (0, 0)


def test_a_client_asking_for_indented_json_gets_its_own_page(seeded, alice):
    client = client_for(alice)
    url = _url(seeded["article"])
    compact = client.get(url)
    indented = client.get(url, HTTP_ACCEPT="application/json; indent=2")
    assert indented.status_code == 200
    assert b"\n  " in indented.content
    assert b"\n" not in compact.content
    assert client.get(url).content == compact.content
    assert listcache.pages.hits == 1
    assert len(listcache.pages) == 2


def test_pages_expire(seeded, alice, settings):
    settings.NEWSNOTES_LIST_CACHE_SECONDS = 0
    url = _url(seeded["article"])
    _get(alice, url)
    _get(alice, url)
    assert listcache.pages.hits == 0


def test_turned_off_with_zero_megabytes(seeded, alice, settings):
    settings.NEWSNOTES_LIST_CACHE_MB = 0
    url = _url(seeded["article"])
    _get(alice, url)
    _get(alice, url)
    assert (listcache.pages.hits, len(listcache.pages)) == (0, 0)


def test_admin_edits_retire_every_page(seeded, alice, bob, admin_client):
    url = _url(seeded["article"])
    before = _get(bob, url).content
    response = admin_client.post(
        f"/admin/auth/user/{alice.pk}/change/",
        {
            "username": alice.username,
            "first_name": "Alice",
            "last_name": "Liddell",
            "email": alice.email,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    after = _get(bob, url)
    assert after.content != before
    assert {a["author"]["name"] for a in after.json()["results"]} == {"Alice Liddell"}


def test_a_committed_change_is_never_hidden_until_the_stamp_is_renewed(seeded, alice, bob):
    """Between COMMIT (PostgreSQL has sent NOTIFY) and the on_commit stamp renewal, a page
    that follows live events refetches the list: it must see the change."""
    url = _url(seeded["article"])
    _get(bob, url)  # cached
    seen = {}
    with transaction.atomic():
        # Registered first, so it runs after COMMIT and before the stamp renewal.
        transaction.on_commit(lambda: seen.setdefault("page", client_for(bob).get(url).json()))
        annotation_services.annotation_update(
            annotation=seeded["claim"], actor=alice, comment="changed"
        )
    comments = {a["id"]: a["comment"] for a in seen["page"]["results"]}
    assert comments[seeded["claim"].pk] == "changed"


def test_an_analysis_that_suggests_nothing_keeps_the_pages(seeded, bob, team_a):
    url = _url(seeded["article"])
    _get(bob, url)
    stamp = Team.objects.get(pk=team_a.pk).content_stamp
    quiet = make_article(team=team_a, text="The weather in Paris was mild on Tuesday.")
    report = articles_analyze(article_ids=[quiet.pk])
    assert (report.articles, report.suggestions) == (1, 0)
    assert Team.objects.get(pk=team_a.pk).content_stamp == stamp
    _get(bob, url)
    assert listcache.pages.hits == 1
