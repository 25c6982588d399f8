"""The history a person reads: word runs that keep their spaces, labels, the source's quote."""

from __future__ import annotations

from annotations.models import Annotation
from annotations.selectors.history import word_diff
from annotations.services.annotations import (
    annotation_create,
    annotation_delete,
    annotation_submit,
    annotation_undelete,
    annotation_update,
    review_create,
)
from tests.api.conftest import client_for


def _sides(runs):
    before = "".join(text for op, text in runs if op != "+")
    after = "".join(text for op, text in runs if op != "-")
    return before, after


def test_word_diff_keeps_spaces_and_groups_a_rewrite_into_one_run_each():
    before = "Check against the 18 Oct. briefing."
    after = "Check of NIS briefing."
    runs = word_diff(before, after)
    assert runs == [
        ("=", "Check "),
        ("-", "against the 18 Oct."),
        ("+", "of NIS"),
        ("=", " briefing."),
    ]
    assert _sides(runs) == (before, after)


def test_word_diff_of_an_insertion_and_of_identical_texts():
    runs = word_diff("the troops traveled by ship", "the troops traveled quickly by ship")
    assert runs == [("=", "the troops traveled "), ("+", "quickly "), ("=", "by ship")]
    assert word_diff("same", "same") == [("=", "same")]
    assert word_diff("", "new text") == [("+", "new text")]


def test_word_diff_round_trips_whitespace_and_unicode():
    before = "Kirby  said\n the\ttroops — 3 000 — left Wonsan. 北朝鮮"
    after = "Kirby said\n\nthe troops — 3,000 — left Wonsan on Nov 1. 北朝鮮軍"
    assert _sides(word_diff(before, after)) == (before, after)


def test_history_api_reads_as_a_person_reads_it(article, alice, bob, carol, tags_a):
    source = annotation_create(
        article=article, author=alice, start=0, end=10, tags=[tags_a["source"]]
    )
    claim = annotation_create(
        article=article,
        author=alice,
        start=20,
        end=40,
        comment="Check against the 18 Oct. briefing.",
        tags=[tags_a["claim"]],
    )
    annotation_update(
        annotation=claim,
        actor=alice,
        comment="Check of NIS briefing.",
        attributed_to=source,
        assessment="disputed",
    )
    annotation_delete(annotation=claim, actor=alice)
    annotation_undelete(annotation=claim, actor=alice)

    answer = client_for(alice).get(f"/api/annotations/{claim.pk}/history/")
    assert answer.status_code == 200
    versions = answer.json()
    assert [v["action_label"] for v in versions] == [
        "Created",
        "Edited",
        "Moved to the trash",
        "Restored from the trash",
    ]
    created = {c["field"]: c for c in versions[0]["changes"]}
    assert created["tags"]["after"] == tags_a["claim"].name
    assert created["comment"]["after"] == "Check against the 18 Oct. briefing."
    # Defaults and mechanics are not news: no offsets, no trash flag, no "Draft" on creation.
    shown = {c["field"] for v in versions for c in v["changes"]}
    assert not shown & {"start", "end", "deleted", "prefix", "suffix", "article_revision"}
    assert "review_state" not in created
    edited = {c["field"]: c for c in versions[1]["changes"]}
    assert edited["comment"]["runs"] == [
        ["=", "Check "],
        ["-", "against the 18 Oct."],
        ["+", "of NIS"],
        ["=", " briefing."],
    ]
    assert edited["attributed_to"] == {
        "field": "attributed_to",
        "label": "Source",
        "before": "—",
        "after": f"“{source.exact}”",
    }
    assert edited["assessment"]["before"] == "Unverified"
    assert edited["assessment"]["after"] == "Disputed"
    # Moving to the trash and back changes no field a person reads; the action says it.
    assert versions[2]["changes"] == []
    assert versions[3]["changes"] == []

    # Another team's reader gets a 404, as for the annotation itself.
    assert client_for(carol).get(f"/api/annotations/{claim.pk}/history/").status_code == 404


def test_a_source_the_reader_cannot_see_is_not_quoted(article, alice, bob, tags_a):
    secret = annotation_create(
        article=article, author=alice, start=0, end=10, visibility="private", comment="mine"
    )
    claim = annotation_create(article=article, author=alice, start=20, end=40)
    annotation_update(annotation=claim, actor=alice, attributed_to=secret)
    alice_view = client_for(alice).get(f"/api/annotations/{claim.pk}/history/").json()
    bob_view = client_for(bob).get(f"/api/annotations/{claim.pk}/history/").json()
    (alice_change,) = [c for c in alice_view[1]["changes"] if c["field"] == "attributed_to"]
    (bob_change,) = [c for c in bob_view[1]["changes"] if c["field"] == "attributed_to"]
    assert alice_change["after"] == f"“{secret.exact}”"
    assert bob_change["after"] == "an annotation you cannot see"


def test_editing_approved_work_sends_it_back_to_review(article, alice, bob, tags_a):
    claim = annotation_create(article=article, author=alice, start=0, end=10)
    annotation_submit(annotation=claim, actor=alice)
    review_create(annotation=claim, reviewer=bob, verdict="approve")
    claim.refresh_from_db()
    assert claim.review_state == Annotation.ReviewState.APPROVED
    # A change of tags alone is a change of what was approved.
    answer = client_for(alice).patch(
        f"/api/annotations/{claim.pk}/",
        {"tags": [tags_a["claim"].pk]},
        format="json",
        HTTP_IF_MATCH=f'"{claim.version}"',
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["review_state"] == "submitted"
    history = client_for(alice).get(f"/api/annotations/{claim.pk}/history/").json()
    (change,) = [c for c in history[-1]["changes"] if c["field"] == "review_state"]
    assert (change["before"], change["after"]) == ("Approved", "Submitted")


def test_a_long_text_is_diffed_by_sentence_and_round_trips(seed_text):
    before = seed_text * 2  # well past MAX_TOKENS words
    after = before.replace("Kirby", "John Kirby", 1)
    runs = word_diff(before, after)
    assert _sides(runs) == (before, after)
    changed = [text for op, text in runs if op != "="]
    assert len(changed) == 2  # the one sentence, deleted and inserted
    assert all(len(text) < 1000 for text in changed)
