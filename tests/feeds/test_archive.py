"""The archive: each fetched page as a WARC record readable with warcio; the team's export."""

from __future__ import annotations

import hashlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from warcio.archiveiterator import ArchiveIterator

from annotations.lib.warc import payload_digest
from annotations.models import ArchiveRecord
from annotations.services.archive import archive_export_chunks
from annotations.services.imports import import_url
from tests.feedserver import article_html


def read_records(data: bytes) -> list:
    out = []
    for record in ArchiveIterator(BytesIO(data)):
        out.append(
            {
                "type": record.rec_type,
                "uri": record.rec_headers.get_header("WARC-Target-URI"),
                "source": record.rec_headers.get_header("WARC-Source-URI"),
                "date": record.rec_headers.get_header("WARC-Date"),
                "digest": record.rec_headers.get_header("WARC-Payload-Digest"),
                "truncated": record.rec_headers.get_header("WARC-Truncated"),
                "status": record.http_headers.get_statuscode(),
                "content_type": record.http_headers.get_header("Content-Type"),
                "body": record.content_stream().read(),
            }
        )
    return out


def stored(record: ArchiveRecord) -> bytes:
    with storages["archive"].open(record.storage_name, "rb") as handle:
        return handle.read()


def test_url_import_keeps_the_page_as_a_warc_record(site, team_a, alice):
    html = article_html("kursk")
    site.pages["/articles/kursk"] = html
    article, _ = import_url(team=team_a, user=alice, url=site.url("/redirect"), analyze=False)
    record = ArchiveRecord.objects.get(team=team_a)
    assert record.article == article
    assert record.url == site.url("/redirect")
    assert record.final_url == site.url("/articles/kursk")  # after the redirect
    assert record.sha256 == hashlib.sha256(html.encode()).hexdigest()
    assert record.size == len(html.encode())
    assert not record.truncated
    (warc,) = read_records(stored(record))
    assert warc["type"] == "response"
    assert warc["uri"] == site.url("/articles/kursk")
    assert warc["source"] == site.url("/redirect")
    assert warc["status"] == "200"
    assert warc["content_type"] == "text/html; charset=utf-8"
    assert warc["body"] == html.encode()
    assert warc["digest"] == payload_digest(html.encode())
    assert warc["date"] == record.fetched_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_page_past_the_archive_cap_is_cut_and_marked(site, settings, team_a, alice):
    settings.NEWSNOTES_ARCHIVE_MAX_BYTES = 200
    site.pages["/articles/long"] = article_html("long")
    import_url(team=team_a, user=alice, url=site.url("/articles/long"), analyze=False)
    record = ArchiveRecord.objects.get(team=team_a)
    assert record.truncated
    assert record.size == 200
    (warc,) = read_records(stored(record))
    assert warc["truncated"] == "length"
    assert warc["body"] == article_html("long").encode()[:200]
    assert warc["digest"] == payload_digest(warc["body"])


def test_team_export_is_one_warc_file_of_the_team_records_only(site, team_a, team_b, alice, carol):
    for slug in ("one", "two"):
        site.pages[f"/articles/{slug}"] = article_html(slug)
        import_url(team=team_a, user=alice, url=site.url(f"/articles/{slug}"), analyze=False)
    site.pages["/articles/theirs"] = article_html("theirs")
    import_url(team=team_b, user=carol, url=site.url("/articles/theirs"), analyze=False)
    exported = b"".join(archive_export_chunks(team=team_a))
    records = read_records(exported)
    assert [r["uri"] for r in records] == [site.url("/articles/one"), site.url("/articles/two")]
    assert all(r["digest"] == payload_digest(r["body"]) for r in records)
    (theirs,) = read_records(b"".join(archive_export_chunks(team=team_b)))
    assert theirs["uri"] == site.url("/articles/theirs")


def test_a_refused_fetch_archives_nothing(site, team_a, alice):
    with pytest.raises(ValidationError):
        import_url(team=team_a, user=alice, url=site.url("/missing"), analyze=False)
    assert not ArchiveRecord.objects.exists()
