"""/api/feeds/ and /api/archive/: CRUD, poll now, OPML, downloads; 400 naming the field and
404 across teams."""

from __future__ import annotations

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from warcio.archiveiterator import ArchiveIterator

from annotations.models import ArchiveRecord, Feed, Job
from annotations.services.feeds import feed_create
from annotations.services.imports import import_url
from tests.api.conftest import client_for
from tests.feedserver import article_html


def test_feed_crud_and_poll_now(site, team_a, alice, django_capture_on_commit_callbacks):
    api = client_for(alice)
    url = site.add_feed("world", ["a"])
    created = api.post(
        "/api/feeds/", {"team": team_a.pk, "url": url, "interval_minutes": 30}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "ok"
    assert body["interval_minutes"] == 30
    assert body["next_poll_at"] is not None
    feed_id = body["id"]
    listed = api.get("/api/feeds/", {"team": team_a.pk}).json()["results"]
    assert [f["id"] for f in listed] == [feed_id]
    version = body["version"]
    paused = api.patch(
        f"/api/feeds/{feed_id}/", {"paused": True}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert paused.status_code == 200
    assert paused.json()["paused"] is True
    assert paused["ETag"] == f'"{version + 1}"'
    # An edit made from the feed as it was before the pause is stale.
    stale = api.patch(
        f"/api/feeds/{feed_id}/", {"title": "Old"}, format="json", HTTP_IF_MATCH=f'"{version}"'
    )
    assert stale.status_code == 412
    assert api.get(f"/api/feeds/{feed_id}/").json()["title"] != "Old"
    with django_capture_on_commit_callbacks(execute=True):
        polled = api.post(f"/api/feeds/{feed_id}/poll/")
    assert polled.status_code == 202
    job = Job.objects.get(pk=polled.json()["id"])
    assert job.kind == Job.Kind.POLL_FEED
    assert job.status == Job.Status.SUCCEEDED  # the immediate backend ran it
    feed = api.get(f"/api/feeds/{feed_id}/").json()
    assert (feed["items_found"], feed["items_imported"]) == (1, 1)
    assert feed["last_poll_at"] is not None
    assert api.delete(f"/api/feeds/{feed_id}/").status_code == 204
    assert not Feed.objects.filter(pk=feed_id).exists()


def test_bad_input_is_a_400_naming_the_field(site, team_a, alice):
    api = client_for(alice)
    url = site.add_feed("world", [])
    for payload, field in [
        ({"team": team_a.pk, "url": "ftp://example.org/feed"}, "url"),
        ({"team": team_a.pk, "url": "http://192.168.1.1/feed"}, "url"),
        ({"team": team_a.pk, "url": url, "interval_minutes": 2}, "interval_minutes"),
        ({"team": team_a.pk, "url": url, "interval_minutes": "often"}, "interval_minutes"),
        ({"url": url}, "team"),
    ]:
        answer = api.post("/api/feeds/", payload, format="json")
        assert answer.status_code == 400, (payload, answer.content)
        assert list(answer.json()["errors"]) == [field], answer.json()
    bad_team = api.get("/api/feeds/opml/", {"team": "x"})
    assert bad_team.status_code == 400
    assert list(bad_team.json()["errors"]) == ["team"]


def test_other_teams_feeds_and_archive_answer_404(site, team_a, team_b, alice, carol):
    feed = feed_create(team=team_b, actor=carol, url=site.add_feed("theirs", []))
    site.pages["/articles/theirs"] = article_html("theirs")
    import_url(team=team_b, user=carol, url=site.url("/articles/theirs"), analyze=False)
    record = ArchiveRecord.objects.get(team=team_b)
    api = client_for(alice)
    assert api.get(f"/api/feeds/{feed.pk}/").status_code == 404
    assert api.patch(f"/api/feeds/{feed.pk}/", {"paused": True}, format="json").status_code == 404
    assert api.post(f"/api/feeds/{feed.pk}/poll/").status_code == 404
    assert api.delete(f"/api/feeds/{feed.pk}/").status_code == 404
    assert api.get("/api/feeds/opml/", {"team": team_b.pk}).status_code == 404
    assert api.get(f"/api/archive/{record.pk}/").status_code == 404
    assert api.get(f"/api/archive/{record.pk}/download/").status_code == 404
    assert api.get("/api/archive/export/", {"team": team_b.pk}).status_code == 404
    assert api.get("/api/archive/").json()["results"] == []
    created = api.post(
        "/api/feeds/", {"team": team_b.pk, "url": site.url("/feeds/x.xml")}, format="json"
    )
    assert created.status_code == 400
    assert list(created.json()["errors"]) == ["team"]


def test_opml_export_and_import_through_the_api(site, team_a, team_b, alice, carol):
    feed_create(team=team_a, actor=alice, url=site.url("/feeds/world.xml"), title="World")
    exported = client_for(alice).get("/api/feeds/opml/", {"team": team_a.pk})
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/x-opml")
    upload = SimpleUploadedFile("feeds.opml", exported.content, content_type="text/x-opml")
    imported = client_for(carol).post(
        "/api/feeds/opml/", {"team": team_b.pk, "file": upload}, format="multipart"
    )
    assert imported.status_code == 200, imported.content
    assert len(imported.json()["created"]) == 1
    assert Feed.objects.get(team=team_b).title == "World"
    bad = SimpleUploadedFile("feeds.opml", b"<html/>", content_type="text/x-opml")
    refused = client_for(carol).post(
        "/api/feeds/opml/", {"team": team_b.pk, "file": bad}, format="multipart"
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["file"]


def test_archive_record_download_and_team_export(site, team_a, alice):
    for slug in ("one", "two"):
        site.pages[f"/articles/{slug}"] = article_html(slug)
        import_url(team=team_a, user=alice, url=site.url(f"/articles/{slug}"), analyze=False)
    api = client_for(alice)
    records = api.get("/api/archive/", {"team": team_a.pk}).json()["results"]
    assert len(records) == 2
    first = records[-1]
    assert len(first["sha256"]) == 64
    one = api.get(first["download"])
    assert one.status_code == 200
    (record,) = list(ArchiveIterator(BytesIO(b"".join(one.streaming_content))))
    assert record.rec_headers.get_header("WARC-Target-URI") == first["final_url"]
    whole = api.get("/api/archive/export/", {"team": team_a.pk})
    assert whole.status_code == 200
    assert 'filename="newsnotes-archive-desk-a.warc.gz"' in whole["Content-Disposition"]
    uris = [
        r.rec_headers.get_header("WARC-Target-URI")
        for r in ArchiveIterator(BytesIO(b"".join(whole.streaming_content)))
    ]
    assert uris == [site.url("/articles/one"), site.url("/articles/two")]
