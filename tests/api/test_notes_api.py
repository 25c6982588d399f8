"""Page notes through the API: visibility as annotations, If-Match, history; and in the team's
JSON-LD export as W3C annotations that target the whole article, imported back as notes."""

from __future__ import annotations

import io
import json

import pytest

from annotations.models import ArticleNote, ArticleSubmission
from annotations.services.annotation_imports import annotations_import
from annotations.services.annotations import annotation_create, article_submit
from annotations.services.exports import annotations_export
from annotations.services.notes import article_note_create
from tests.api.conftest import client_for
from tests.factories import make_article
from tests.jsonld_schema import problems

BASE = "https://nn.example"


def _create(user, article, text, visibility="team"):
    return client_for(user).post(
        "/api/notes/",
        {"article": article.pk, "text": text, "visibility": visibility},
        format="json",
    )


def test_create_list_edit_with_if_match_and_history(article, alice, bob):
    answer = _create(alice, article, "Check **the wire** original.")
    assert answer.status_code == 201, answer.content
    note = answer.json()
    assert answer["ETag"] == '"1"'
    assert note["text_html"] == "<p>Check <strong>the wire</strong> original.</p>"
    assert note["author"]["username"] == "alice"

    listed = client_for(bob).get(f"/api/notes/?article={article.pk}").json()["results"]
    assert [n["id"] for n in listed] == [note["id"]]

    url = f"/api/notes/{note['id']}/"
    edited = client_for(alice).patch(url, {"text": "Checked."}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200
    assert edited.json()["version"] == 2
    stale = client_for(alice).patch(url, {"text": "Again."}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert ArticleNote.objects.get(pk=note["id"]).text == "Checked."
    # A teammate who is not the author may not change it.
    assert client_for(bob).patch(url, {"text": "Mine now."}, format="json").status_code == 403

    history = client_for(bob).get(f"{url}history/").json()
    assert [(v["number"], v["action_label"], v["text"]) for v in history] == [
        (1, "Created", "Check **the wire** original."),
        (2, "Edited", "Checked."),
    ]
    assert client_for(alice).delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert client_for(bob).get(url).status_code == 404
    assert ArticleNote.objects.get(pk=note["id"]).versions.count() == 3


def test_bad_input_is_a_400_naming_the_field(article, alice, carol):
    def errors(answer):
        assert answer.status_code == 400
        return answer.json()["errors"]

    assert "text" in errors(_create(alice, article, "   "))
    assert "visibility" in errors(_create(alice, article, "x", visibility="everyone"))
    assert "text" in errors(_create(alice, article, "x" * 10_001))
    # Another team's article reads as one that does not exist.
    assert "article" in errors(_create(carol, article, "Hello"))
    assert not ArticleNote.objects.exists()


def test_visibility_follows_the_annotation_rules(team_a, alice, bob, dave, carol, victor):
    story = make_article(team=team_a, title="Blind story", text="Kirby said so. Putin did not.")
    story.blind = True
    story.save(update_fields=["blind"])
    private = article_note_create(article=story, author=alice, text="mine", visibility="private")
    shared = article_note_create(article=story, author=alice, text="for the team")

    def seen(user):
        answer = client_for(user).get(f"/api/notes/?article={story.pk}")
        return {n["id"] for n in answer.json()["results"]}

    assert seen(alice) == {private.pk, shared.pk}
    assert seen(bob) == {shared.pk}  # a reviewer sees shared work on a blind article
    assert seen(dave) == set()  # an analyst who has not submitted does not
    annotation_create(article=story, author=dave, start=0, end=5)
    article_submit(article=story, actor=dave)
    assert ArticleSubmission.objects.filter(user=dave).exists()
    assert seen(dave) == {shared.pk}
    assert client_for(carol).get(f"/api/notes/{shared.pk}/").status_code == 404
    assert seen(carol) == set()
    # Viewers read but do not write.
    assert _create(victor, story, "viewer note").status_code == 403


@pytest.mark.parametrize("with_private", [False, True])
def test_jsonld_export_carries_notes_that_import_back(
    article, alice, dave, team_b, carol, with_private
):
    if with_private:  # and a URL: the other shape of target
        article.url = "https://wire.example/2024/11/01/kursk"
        article.save(update_fields=["url"])
    article_note_create(article=article, author=alice, text="The **whole** piece is sourced.")
    article_note_create(article=article, author=dave, text="dave's own", visibility="private")
    if with_private:
        article_note_create(article=article, author=alice, text="mine", visibility="private")
    out = io.StringIO()
    annotations_export(team=article.team, user=alice, fmt="jsonld", out=out, base_url=BASE)
    document = json.loads(out.getvalue())
    assert problems(document) == []
    items = document["first"]["items"]
    assert document["total"] == len(items)
    notes = [i for i in items if "selector" not in i["target"]]
    assert len(notes) == (2 if with_private else 1)  # dave's private note is not alice's to export
    note = notes[0]
    assert note["id"].startswith("https://nn.example/api/notes/")
    assert note["motivation"] == "commenting"
    assert note["body"] == {
        "type": "TextualBody",
        "purpose": "commenting",
        "value": "The **whole** piece is sourced.",
        "format": "text/markdown",
    }
    if with_private:  # a SpecificResource of the article, scoped to its URL
        assert note["target"]["scope"] == article.url
        assert note["target"]["source"]["schema:sha256"] == article.text_sha256
    else:  # the article itself
        assert note["target"]["schema:sha256"] == article.text_sha256
        assert note["target"]["id"] == f"https://nn.example/api/articles/{article.pk}/"

    # Into another team holding the same article: the notes come back as notes, once.
    mirror = make_article(team=team_b, text=article.text, title=article.title, url=article.url)
    data = out.getvalue().encode()

    def import_into_b():
        return annotations_import(
            team=team_b, user=carol, fmt="jsonld", stream=io.BytesIO(data), base_url=BASE
        )

    report = import_into_b()
    assert report.error_count == 0, report.errors
    assert report.as_dict()["notes_created"] == len(notes)
    imported = ArticleNote.objects.filter(article=mirror, author=carol)
    assert {n.text for n in imported} == {n["body"]["value"] for n in notes}
    if with_private:
        assert imported.get(text="mine").visibility == "private"
    again = import_into_b()
    assert again.as_dict()["notes_created"] == 0
