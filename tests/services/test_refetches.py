"""Silent edits: articles imported from a URL fetched again from a loopback article server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from annotations.models import (
    Annotation,
    AnnotationVersion,
    Article,
    ArticleRefetch,
    ArticleRevision,
    Job,
    Membership,
    Notification,
)
from annotations.selectors.search import Filters, search
from annotations.services import refetches
from annotations.services.annotations import annotation_create
from annotations.services.imports import import_url
from annotations.services.jobs import job_run, jobs_sweep
from annotations.services.refetches import (
    annotation_quote_checked,
    refetches_enqueue,
    team_set_refetch_hours,
)
from tests.api.conftest import client_for
from tests.conftest import persona

LEAD = "Seoul said on Tuesday that the deployment of troops to Kursk had begun."
STEP = "The minister called it a next step in the alliance, officials said."
GONE = "A paragraph about satellite technology that the outlet later removed entirely."
TAIL = "China, North Korea's main trading partner, has called for restraint on all sides."


def page(*, title: str, paragraphs: list[str], author: str = "Min-ji Kim", extra: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{title}</title><meta name='author' content='{author}'></head>"
        f"<body><nav>Home · World</nav><article><h1>{title}</h1>{body}</article>"
        f"<aside>{extra}</aside></body></html>"
    )


V1 = page(title="Troops reach Kursk", paragraphs=[LEAD, STEP, GONE, TAIL])


class _Site:
    """The loopback article server: path -> HTML, changeable during a test."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        self.hits = 0
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits += 1
                html = site.pages.get(self.path)
                if html is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = html.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture
def site(settings) -> Iterator[_Site]:
    settings.URLFETCH_ALLOW_LOOPBACK = True  # the explicit test setting production refuses
    # Jobs are run by hand below, as a worker would, rather than inline on enqueue.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    served = _Site()
    yield served
    served.server.shutdown()


def _import(site: _Site, team, user, path: str = "/kursk", html: str = V1) -> Article:
    site.pages[path] = html
    article, created = import_url(team=team, user=user, url=site.url(path), analyze=False)
    assert created
    return article


def _make_due(article: Article) -> None:
    ArticleRefetch.objects.filter(article=article).update(
        next_at=timezone.now() - timedelta(seconds=1)
    )


def _annotate(article: Article, user, quote: str) -> Annotation:
    start = article.text.index(quote)
    return annotation_create(
        article=article, author=user, start=start, end=start + len(quote), exact=quote
    )


def _run_due_jobs() -> list[int]:
    jobs = refetches_enqueue()
    for job_id in jobs:
        job_run(job_id=job_id)
    return jobs


def test_url_import_starts_the_schedule_of_the_team(site, team_a, alice):
    article = _import(site, team_a, alice)
    row = ArticleRefetch.objects.get(article=article)
    assert row.step == 0
    assert row.job is None
    assert row.next_at == row.imported_at + timedelta(hours=1)
    assert row.page_sha256  # the imported page's bytes, to tell a later change of them alone
    # Not due yet: nothing is queued, and nothing fetched.
    hits = site.hits
    assert refetches_enqueue() == []
    assert site.hits == hits


def test_edited_article_gets_a_revision_reanchors_orphans_notifies_and_is_flagged(
    site, team_a, alice, dave, bob
):
    article = _import(site, team_a, alice)
    assert "a next step" in article.text
    moved = _annotate(article, alice, "called it a next step")
    gone = _annotate(article, dave, "satellite technology that the outlet later removed")
    same = _annotate(article, alice, "has called for restraint")
    # The outlet edits the page: a word of the quote, a paragraph gone, a new title.
    site.pages["/kursk"] = page(
        title="Troops reach Kursk, Seoul says",
        paragraphs=[LEAD, STEP.replace("a next step", "the next step"), TAIL],
    )
    _make_due(article)
    jobs = _run_due_jobs()
    assert len(jobs) == 1
    assert Job.objects.get(pk=jobs[0]).status == Job.Status.SUCCEEDED

    article.refresh_from_db()
    assert article.edited_after_import
    assert article.revision == 2
    assert "called it the next step" in article.text
    assert GONE not in article.text
    assert article.title == "Troops reach Kursk, Seoul says"
    revisions = list(ArticleRevision.objects.filter(article=article).order_by("number"))
    assert [r.number for r in revisions] == [1, 2]
    assert (revisions[0].title, revisions[1].title) == (
        "Troops reach Kursk",
        "Troops reach Kursk, Seoul says",
    )
    assert revisions[1].note == refetches.EDIT_NOTE

    moved.refresh_from_db()
    assert moved.anchor_state == Annotation.AnchorState.QUOTE_CHANGED
    assert moved.exact == "called it the next step"
    assert article.text[moved.start : moved.end] == moved.exact
    assert moved.article_revision == 2
    last = AnnotationVersion.objects.filter(annotation=moved).order_by("-number").first()
    assert last.action == AnnotationVersion.Action.REANCHORED
    assert "called it a next step" in last.note  # the old quote stays in the history
    gone.refresh_from_db()
    assert gone.anchor_state == Annotation.AnchorState.ORPHANED
    assert gone.article_revision == 1  # offsets still into the revision it was made on
    same.refresh_from_db()
    assert same.anchor_state in {Annotation.AnchorState.ANCHORED, Annotation.AnchorState.REANCHORED}
    assert article.text[same.start : same.end] == "has called for restraint"

    told = Notification.objects.filter(kind=Notification.Kind.ARTICLE_EDITED)
    assert sorted(told.values_list("user__username", flat=True)) == ["alice", "dave"]  # not bob
    assert told.get(user=alice).annotation.article_id == article.pk

    row = ArticleRefetch.objects.get(article=article)
    assert (row.step, row.checks, row.edits, row.last_result) == (1, 1, 1, "edited")
    assert row.next_at == row.imported_at + timedelta(hours=6)
    assert row.job is None

    # The reader and the list show the badge, the diff view shows the word diff.
    browser = Client()
    browser.force_login(alice)
    reader = browser.get(f"/articles/{article.pk}/").content.decode()
    assert "Edited after import" in reader
    assert f"/articles/{article.pk}/diff/" in reader
    listing = browser.get("/?edited_after_import=true").content.decode()
    assert "Edited after import" in listing
    assert "Troops reach Kursk, Seoul says" in listing
    diff = browser.get(f"/articles/{article.pk}/diff/").content.decode()
    assert "called it <del>a</del><ins>the</ins> next step" in diff
    assert re.search(rf"<del>\s*{GONE}\s*</del>", diff)  # the deleted paragraph
    assert "<ins>, Seoul says</ins>" in diff  # the title's diff
    # Another team's reader gets a 404, not the diff.
    outsider = persona(team_a.__class__.objects.create(name="B", slug="b"), "zed", "analyst")
    browser.force_login(outsider)
    assert browser.get(f"/articles/{article.pk}/diff/").status_code == 404


def test_quote_change_is_cleared_by_its_author_only(site, team_a, alice, dave):
    article = _import(site, team_a, alice)
    moved = _annotate(article, alice, "called it a next step")
    site.pages["/kursk"] = page(
        title="Troops reach Kursk",
        paragraphs=[LEAD, STEP.replace("a next step", "the next step"), GONE, TAIL],
    )
    _make_due(article)
    _run_due_jobs()
    moved.refresh_from_db()
    assert moved.anchor_state == Annotation.AnchorState.QUOTE_CHANGED
    with pytest.raises(PermissionDenied):
        annotation_quote_checked(annotation=moved, actor=dave)
    response = client_for(dave).post(f"/api/annotations/{moved.pk}/quote-checked/")
    assert response.status_code == 403
    response = client_for(alice).post(f"/api/annotations/{moved.pk}/quote-checked/")
    assert response.status_code == 200
    assert response.json()["anchor_state"] == "reanchored"
    again = client_for(alice).post(f"/api/annotations/{moved.pk}/quote-checked/")
    assert again.status_code == 400
    assert "anchor_state" in again.json()["errors"]


def test_unchanged_refetch_is_recorded_and_not_flagged(site, team_a, alice):
    article = _import(site, team_a, alice)
    _annotate(article, alice, "called it a next step")
    _make_due(article)
    _run_due_jobs()  # the very same page
    row = ArticleRefetch.objects.get(article=article)
    assert (row.step, row.checks, row.last_result) == (1, 1, "unchanged")
    assert row.last_checked_at is not None

    # The page's bytes change (an advertisement beside the article), its text does not.
    site.pages["/kursk"] = page(
        title="Troops reach Kursk",
        paragraphs=[LEAD, STEP, GONE, TAIL],
        extra="Advertisement: ferries to Jeju",
    )
    _make_due(article)
    _run_due_jobs()
    row.refresh_from_db()
    assert (row.step, row.checks, row.edits, row.last_result) == (2, 2, 0, "page_changed")
    article.refresh_from_db()
    assert not article.edited_after_import
    assert article.revision == 1
    assert not Notification.objects.exists()
    assert not Article.objects.filter(edited_after_import=True).exists()


def test_failed_fetch_is_recorded_and_the_schedule_goes_on(site, team_a, alice):
    article = _import(site, team_a, alice)
    del site.pages["/kursk"]  # the outlet took the page down: 404
    _make_due(article)
    _run_due_jobs()
    row = ArticleRefetch.objects.get(article=article)
    assert (row.step, row.last_result) == (1, "failed")
    assert "404" in row.last_error
    article.refresh_from_db()
    assert article.revision == 1
    assert not article.edited_after_import


def test_killed_worker_loses_nothing_and_duplicates_nothing(site, team_a, alice, monkeypatch):
    first = _import(site, team_a, alice, "/one")
    second = _import(site, team_a, alice, "/two", html=V1.replace("Kursk", "Kursk region"))
    _annotate(first, alice, "called it a next step")
    _annotate(second, alice, "called it a next step")
    for path in ("/one", "/two"):
        site.pages[path] = site.pages[path].replace("a next step", "the next step")
    _make_due(first)
    _make_due(second)
    jobs = refetches_enqueue()
    assert len(jobs) == 1
    # Queueing again while the job holds the rows queues nothing.
    assert refetches_enqueue() == []

    real = refetches.article_apply_source_edit
    calls = {"n": 0}

    def killed_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # a SIGKILL'd worker, mid-check
        return real(**kwargs)

    monkeypatch.setattr(refetches, "article_apply_source_edit", killed_on_second)
    with pytest.raises(SystemExit):
        job_run(job_id=jobs[0])
    job = Job.objects.get(pk=jobs[0])
    assert job.status == Job.Status.RUNNING
    held = ArticleRefetch.objects.filter(job=job)
    assert held.count() == 1  # the first check committed and let go; the second did not
    assert refetches_enqueue() == []  # still held: not queued twice

    monkeypatch.setattr(refetches, "article_apply_source_edit", real)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert jobs_sweep().requeued == [job.pk]
    job_run(job_id=job.pk)  # the re-queued task, as the worker runs it
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    for article in (first, second):
        article.refresh_from_db()
        assert article.revision == 2
        assert article.edited_after_import
        assert ArticleRevision.objects.filter(article=article).count() == 2
        row = ArticleRefetch.objects.get(article=article)
        assert (row.step, row.checks, row.edits, row.job) == (1, 1, 1, None)
    assert Notification.objects.filter(user=alice).count() == 2  # one per article, not more


def test_schedule_is_set_per_team_and_validated(site, team_a, team_b, alice, carol):
    owner = persona(team_a, "olivia", Membership.Role.OWNER)
    article = _import(site, team_a, alice)
    other = _import(site, team_b, carol, "/other")
    for bad in (["1"], [0], [6, 1], [1, 1], list(range(1, 10)), [24 * 31], "1,6", [True]):
        with pytest.raises(ValidationError) as refused:
            team_set_refetch_hours(team=team_a, actor=owner, hours=bad)
        assert "refetch_hours" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        team_set_refetch_hours(team=team_a, actor=alice, hours=[2])
    api = client_for(owner)
    bad = api.patch(f"/api/teams/{team_a.pk}/", {"refetch_hours": [6, 2]}, format="json")
    assert bad.status_code == 400
    assert "refetch_hours" in str(bad.json())
    ok = api.patch(f"/api/teams/{team_a.pk}/", {"refetch_hours": [2, 12]}, format="json")
    assert ok.status_code == 200
    assert ok.json()["refetch_hours"] == [2, 12]
    assert client_for(alice).get(f"/api/teams/{team_a.pk}/").json()["refetch_hours"] == [2, 12]

    row = ArticleRefetch.objects.get(article=article)
    assert row.next_at == row.imported_at + timedelta(hours=2)  # the schedule under way follows
    untouched = ArticleRefetch.objects.get(article=other)
    assert untouched.next_at == untouched.imported_at + timedelta(hours=1)  # team B's default

    _make_due(article)
    _run_due_jobs()
    row.refresh_from_db()
    assert row.next_at == row.imported_at + timedelta(hours=12)
    _make_due(article)
    _run_due_jobs()
    row.refresh_from_db()
    assert (row.step, row.next_at) == (2, None)  # then never
    assert refetches_enqueue() == []

    team_set_refetch_hours(team=team_b, actor=persona(team_b, "owen", "owner"), hours=[])
    untouched.refresh_from_db()
    assert untouched.next_at is None


def test_edited_filter_in_the_api_and_the_search_facet(site, team_a, alice):
    edited = _import(site, team_a, alice)
    plain = _import(site, team_a, alice, "/calm", html=V1.replace("Kursk", "Kursk oblast"))
    site.pages["/kursk"] = V1.replace("a next step", "the next step")
    _make_due(edited)
    _run_due_jobs()
    api = client_for(alice)
    listed = api.get("/api/articles/?edited_after_import=true").json()["results"]
    assert [a["id"] for a in listed] == [edited.pk]
    assert listed[0]["edited_after_import"] is True
    others = api.get("/api/articles/?edited_after_import=false").json()["results"]
    assert [a["id"] for a in others] == [plain.pk]
    every = search(alice, "Kursk", filters=Filters())
    assert sorted(hit.id for hit in every.kinds["article"].hits) == sorted([edited.pk, plain.pk])
    only = search(alice, "Kursk", filters=Filters(edited=True))
    assert [hit.id for hit in only.kinds["article"].hits] == [edited.pk]
    page_html = api.get("/api/search/?q=Kursk&edited=true").json()
    assert [hit["id"] for hit in page_html["results"]["article"]["hits"]] == [edited.pk]


def test_an_analysts_correction_is_not_taken_for_an_edit_at_the_source(site, team_a, alice):
    from annotations.services.articles import article_edit

    article = _import(site, team_a, alice)
    article_edit(article=article, actor=alice, text=article.text.replace("Kursk", "Kursk (RU)"))
    _make_due(article)
    _run_due_jobs()  # the outlet's page has not changed
    article.refresh_from_db()
    assert "Kursk (RU)" in article.text  # the analyst's correction stays
    assert not article.edited_after_import
    assert ArticleRefetch.objects.get(article=article).last_result == "unchanged"


def test_a_check_whose_job_gave_up_counts_as_failed_and_the_schedule_goes_on(site, team_a, alice):
    article = _import(site, team_a, alice)
    _make_due(article)
    (job_id,) = refetches_enqueue()
    Job.objects.filter(pk=job_id).update(status=Job.Status.FAILED)
    assert refetches_enqueue() == []  # released, counted as a failed check, next one not due
    row = ArticleRefetch.objects.get(article=article)
    assert (row.step, row.job, row.last_result) == (1, None, "failed")
    assert row.next_at == row.imported_at + timedelta(hours=6)
