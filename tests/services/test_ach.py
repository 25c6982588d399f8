"""ACH writes (services/ach.py): validation naming the field, caps, roles, teams, If-Match,
and the history that rebuilds and restores any version."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from annotations.exceptions import PreconditionFailed
from annotations.models import AnalysisVersion, Evidence, Hypothesis, Rating
from annotations.models.ach import MAX_EVIDENCE, MAX_HYPOTHESES
from annotations.selectors.ach import analysis_matrix, claim_candidates
from annotations.services import ach as services
from annotations.services.annotations import annotation_create, annotation_delete
from tests.factories import make_article

TEXT = "Kirby said the troops traveled by ship to Vladivostok. Moscow denied it on Friday."


@pytest.fixture
def claim(team_a, alice, tags_a):
    article = make_article(team=team_a, text=TEXT)
    quote = "the troops traveled by ship"
    start = TEXT.index(quote)
    return annotation_create(
        article=article, author=alice, start=start, end=start + len(quote), tags=[tags_a["claim"]]
    )


@pytest.fixture
def analysis(team_a, alice):
    return services.ach_create(
        user=alice, team=team_a, question="Who moved the troops?", hypotheses=["By ship", "By rail"]
    )


def field_of(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


def test_create_records_version_one_with_the_whole_state(analysis):
    assert analysis.version == 1
    v = AnalysisVersion.objects.get(analysis=analysis)
    assert v.number == 1
    assert v.state["question"] == "Who moved the troops?"
    assert sorted(h["text"] for h in v.state["hypotheses"].values()) == ["By rail", "By ship"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"question": "  "}, "question"),
        ({"question": "x" * 501}, "question"),
        ({"question": "q", "hypotheses": [""]}, "hypotheses"),
        ({"question": "q", "hypotheses": ["h"] * (MAX_HYPOTHESES + 1)}, "hypotheses"),
    ],
)
def test_create_refuses_bad_input_by_field(team_a, alice, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        services.ach_create(user=alice, team=team_a, **kwargs)
    assert field in field_of(excinfo)


def test_roles_and_teams(analysis, team_b, alice, bob, victor, carol):
    with pytest.raises(PermissionDenied):
        services.ach_create(user=alice, team=team_b, question="q")
    with pytest.raises(PermissionDenied):
        services.hypothesis_add(analysis=analysis, actor=victor, text="h")
    with pytest.raises(PermissionDenied):
        services.hypothesis_add(analysis=analysis, actor=carol, text="h")
    with pytest.raises(PermissionDenied):  # reviewers read analyses; analysts and owners edit
        services.hypothesis_add(analysis=analysis, actor=bob, text="h")


def test_evidence_claim_must_be_a_shared_live_annotation_of_the_team(
    analysis, claim, alice, carol, team_b, dave
):
    other = make_article(team=team_b, text=TEXT)
    foreign = annotation_create(article=other, author=carol, start=0, end=5)
    private = annotation_create(
        article=claim.article, author=alice, start=0, end=5, visibility="private"
    )
    for pk in (foreign.pk, private.pk, 10**12, True):
        with pytest.raises(ValidationError) as excinfo:
            services.evidence_add(analysis=analysis, actor=alice, annotation=pk)
        assert field_of(excinfo) == {"annotation"}
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(analysis=analysis, actor=alice)  # neither claim nor note
    assert field_of(excinfo) == {"note"}
    row = services.evidence_add(analysis=analysis, actor=dave, annotation=claim.pk)
    assert row.annotation_id == claim.pk
    assert row.note == ""
    assert (row.credibility, row.reliability) == (None, "")  # evidence_default_grades: none yet
    assert services.evidence_default_grades(claim) == (None, None)
    assert claim_candidates(alice, analysis) == []  # already evidence
    annotation_delete(annotation=claim, actor=alice)
    matrix = analysis_matrix(alice, analysis)
    assert matrix["evidence"][0]["quote"] == ""  # in the trash: no longer shown


def test_grades_and_weight_are_checked(analysis, alice):
    for kwargs, field in (
        ({"credibility": 7}, "credibility"),
        ({"credibility": "2"}, "credibility"),
        ({"reliability": "G"}, "reliability"),
        ({"weight": -1}, "weight"),
        ({"weight": float("nan")}, "weight"),
        ({"weight": 11}, "weight"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            services.evidence_add(analysis=analysis, actor=alice, note="n", **kwargs)
        assert field_of(excinfo) == {field}
    row = services.evidence_add(
        analysis=analysis, actor=alice, note="Satellite photos", credibility=2, reliability="b"
    )
    assert (row.credibility, row.reliability, row.weight) == (2, "B", None)
    assert analysis_matrix(alice, analysis)["evidence"][0]["effective_weight"] == 1.5625
    services.evidence_edit(evidence=row, actor=alice, weight=3)
    assert analysis_matrix(alice, analysis)["evidence"][0]["effective_weight"] == 3.0
    services.evidence_edit(evidence=row, actor=alice, weight=None)
    assert analysis_matrix(alice, analysis)["evidence"][0]["effective_weight"] == 1.5625
    assert Evidence.objects.get(pk=row.pk).weight is None


def test_rating_set_checks_value_and_cell(analysis, team_a, alice):
    row = services.evidence_add(analysis=analysis, actor=alice, note="n")
    h = Hypothesis.objects.filter(analysis=analysis).first()
    other = services.ach_create(user=alice, team=team_a, question="other", hypotheses=["x"])
    foreign_h = Hypothesis.objects.get(analysis=other)
    cases = [
        ({"value": "X"}, "value"),
        ({"value": 3}, "value"),
        ({"hypothesis": foreign_h.pk}, "hypothesis"),
        ({"evidence": 10**12}, "evidence"),
    ]
    for override, field in cases:
        args = {"evidence": row.pk, "hypothesis": h.pk, "value": "I", **override}
        with pytest.raises(ValidationError) as excinfo:
            services.rating_set(analysis=analysis, actor=alice, **args)
        assert field_of(excinfo) == {field}
    services.rating_set(
        analysis=analysis, actor=alice, evidence=row.pk, hypothesis=h.pk, value="ii"
    )
    assert Rating.objects.get().value == "II"
    services.rating_set(analysis=analysis, actor=alice, evidence=row.pk, hypothesis=h.pk, value="c")
    assert Rating.objects.get().value == "C"
    services.rating_set(analysis=analysis, actor=alice, evidence=row, hypothesis=h, value="")
    assert not Rating.objects.exists()


def test_stale_version_changes_nothing(analysis, alice):
    services.hypothesis_add(analysis=analysis, actor=alice, text="By air", expected_version=1)
    with pytest.raises(PreconditionFailed):
        services.hypothesis_add(analysis=analysis, actor=alice, text="On foot", expected_version=1)
    assert Hypothesis.objects.filter(analysis=analysis).count() == 3
    analysis.refresh_from_db()
    assert analysis.version == 2


def test_caps(analysis, alice):
    for i in range(MAX_HYPOTHESES - 2):
        services.hypothesis_add(analysis=analysis, actor=alice, text=f"h{i}")
    with pytest.raises(ValidationError) as excinfo:
        services.hypothesis_add(analysis=analysis, actor=alice, text="one too many")
    assert field_of(excinfo) == {"text"}
    Evidence.objects.bulk_create(
        [Evidence(analysis=analysis, note=f"e{i}", position=i) for i in range(MAX_EVIDENCE)]
    )
    with pytest.raises(ValidationError) as excinfo:
        services.evidence_add(analysis=analysis, actor=alice, note="one too many")
    assert field_of(excinfo) == {"annotation"}


def test_every_change_is_in_the_history_and_any_version_can_be_restored(analysis, alice, claim):
    h1, h2 = Hypothesis.objects.filter(analysis=analysis)
    e1 = services.evidence_add(analysis=analysis, actor=alice, annotation=claim.pk)  # v2
    services.rating_set(analysis=analysis, actor=alice, evidence=e1.pk, hypothesis=h1.pk, value="C")
    services.rating_set(analysis=analysis, actor=alice, evidence=e1.pk, hypothesis=h2.pk, value="I")
    v4 = analysis_matrix(alice, analysis)  # version 4: one row, two ratings
    assert v4["version"] == 4
    assert v4["ranking"] == [h1.pk, h2.pk]
    services.hypothesis_edit(hypothesis=h2, actor=alice, text="By rail, then road")  # v5
    services.evidence_add(analysis=analysis, actor=alice, note="A second row")  # v6
    services.hypothesis_remove(hypothesis=h1, actor=alice)  # v7: its ratings go too
    services.ach_update(analysis=analysis, actor=alice, question="How did they move?")  # v8
    analysis.refresh_from_db()
    assert analysis.version == 8
    assert list(
        AnalysisVersion.objects.filter(analysis=analysis).values_list("number", flat=True)
    ) == [8, 7, 6, 5, 4, 3, 2, 1]
    state7 = services.analysis_state_at(analysis, 7)
    assert list(state7["hypotheses"]) == [str(h2.pk)]
    assert state7["ratings"] == {f"{e1.pk}:{h2.pk}": "I"}

    services.ach_restore(analysis=analysis, actor=alice, number=4, expected_version=8)
    restored = analysis_matrix(alice, analysis)
    assert restored["version"] == 9
    for key in ("question", "hypotheses", "ranking", "evidence"):
        assert restored[key] == v4[key], key  # same ids, same texts, same ratings
    assert AnalysisVersion.objects.get(analysis=analysis, number=9).summary == "Restored version 4"
    # Restoring is itself a version: going back to 8 undoes it.
    services.ach_restore(analysis=analysis, actor=alice, number=8)
    again = analysis_matrix(alice, analysis)
    assert again["question"] == "How did they move?"
    assert [h["text"] for h in again["hypotheses"]] == ["By rail, then road"]
    assert len(again["evidence"]) == 2
    with pytest.raises(ValidationError) as excinfo:
        services.ach_restore(analysis=analysis, actor=alice, number=99)
    assert field_of(excinfo) == {"version"}
