"""OPML import and export of a team's feeds; hostile XML is refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from annotations.formats.opml import opml_read
from annotations.models import Feed
from annotations.services.feeds import feed_create, feeds_opml_export, feeds_opml_import


def test_opml_round_trip_between_teams(site, team_a, team_b, alice, carol):
    feed_create(team=team_a, actor=alice, url=site.url("/feeds/world.xml"), title="World & co")
    feed_create(team=team_a, actor=alice, url=site.url("/feeds/europe.xml"))
    exported = feeds_opml_export(team=team_a)
    root = etree.fromstring(exported)
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    report = feeds_opml_import(team=team_b, actor=carol, data=exported)
    assert len(report.created) == 2
    assert report.existing == 0
    assert report.errors == []
    theirs = {(f.url, f.title) for f in Feed.objects.filter(team=team_b)}
    ours = {(f.url, f.title) for f in Feed.objects.filter(team=team_a)}
    assert theirs == ours
    again = feeds_opml_import(team=team_b, actor=carol, data=exported)
    assert again.created == []
    assert again.existing == 2


def test_opml_import_reports_urls_it_cannot_follow(site, team_a, alice):
    data = (
        b"<?xml version='1.0'?><opml version='2.0'><head/><body>"
        b"<outline text='Folder'><outline xmlUrl='http://10.1.2.3/feed' text='Intranet'/>"
        b"<outline xmlUrl='ftp://example.org/feed' text='FTP'/>"
        b"<outline xmlUrl='" + site.url("/feeds/ok.xml").encode() + b"' text='OK'/></outline>"
        b"</body></opml>"
    )
    report = feeds_opml_import(team=team_a, actor=alice, data=data)
    assert len(report.created) == 1
    assert [e["url"] for e in report.errors] == ["http://10.1.2.3/feed", "ftp://example.org/feed"]
    assert Feed.objects.get(team=team_a).title == "OK"


@pytest.mark.parametrize(
    "data",
    [
        # XXE: an external entity reading a local file.
        b"<?xml version='1.0'?><!DOCTYPE opml [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
        b"<opml version='2.0'><body><outline xmlUrl='http://example.org/&x;'/></body></opml>",
        # Billion laughs.
        b"<?xml version='1.0'?><!DOCTYPE opml [<!ENTITY a 'aaaaaaaaaa'>"
        b"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
        b"<opml version='2.0'><body><outline xmlUrl='http://example.org/&b;'/></body></opml>",
        b"not xml at all",
        b"<rss version='2.0'/>",
    ],
)
def test_hostile_or_foreign_files_are_refused_naming_the_file(data):
    with pytest.raises(ValidationError) as refused:
        opml_read(data, max_feeds=10)
    assert "file" in refused.value.message_dict


def test_opml_over_the_team_limit_is_refused(settings):
    outlines = b"".join(b"<outline xmlUrl='http://example.org/%d'/>" % n for n in range(5))
    data = b"<opml version='2.0'><body>" + outlines + b"</body></opml>"
    with pytest.raises(ValidationError) as refused:
        opml_read(data, max_feeds=3)
    assert "more than 3 feeds" in refused.value.message_dict["file"][0]
