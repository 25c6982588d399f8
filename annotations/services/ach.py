"""Analyses of Competing Hypotheses (``models/ach.py``): their writes and their history.

Every write locks the analysis, checks ``expected_version`` (412 when stale), bumps the
version and appends an ``AnalysisVersion`` listing what it changed: ``{"kind": "hypothesis",
"id": 5, "data": {...}}`` (``data`` None: removed). Creation and restores store the whole
matrix (``state``). ``analysis_state_at()`` replays the versions up to N, and
``ach_restore()`` writes that state back (keeping the rows' ids) as a new version: restoring
is itself a change, and can be undone by restoring again.

Writes need the role owner or analyst of the analysis' team; reading is for every member
(``selectors/ach.py``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from annotations.exceptions import PreconditionFailed
from annotations.lib.ach import MAX_WEIGHT, MIN_WEIGHT, RATINGS
from annotations.models import (
    Analysis,
    AnalysisVersion,
    Annotation,
    Evidence,
    Hypothesis,
    Rating,
    Team,
)
from annotations.models.ach import (
    CREDIBILITY_GRADES,
    MAX_EVIDENCE,
    MAX_HYPOTHESES,
    MAX_HYPOTHESIS_CHARS,
    MAX_NOTE_CHARS,
    MAX_QUESTION_CHARS,
    RELIABILITY_GRADES,
)
from annotations.services.teams import ANNOTATE_ROLES, require_role

MAX_ANALYSES_PER_TEAM = 500

State = dict[str, Any]


def evidence_default_grades(annotation: Annotation | None) -> tuple[int | None, str | None]:
    """The Admiralty grades a new evidence row copies from its claim: (credibility 1-6 of the
    claim, reliability A-F of its source). The grading feature (issue #19 item 1) is not merged
    yet, so this returns (None, None); once it is, read the claim's credibility and its
    attributed source's reliability here, and ``evidence_add`` stores them on the row."""
    return None, None


# --- Validation --------------------------------------------------------------------------------


def _clean_text(value: Any, *, field: str, limit: int, required: bool = True) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: "Give text."})
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: "This cannot be empty."})
    if len(text) > limit:
        raise ValidationError({field: f"At most {limit} characters."})
    return text


def _clean_credibility(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in CREDIBILITY_GRADES:
        raise ValidationError({"credibility": "Give a credibility from 1 to 6, or none."})
    return value


def _clean_reliability(value: Any) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str) or value.upper() not in RELIABILITY_GRADES:
        raise ValidationError({"reliability": "Give a reliability from A to F, or none."})
    return value.upper()


def _clean_weight(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError({"weight": "Give a number, or none to use the grades."})
    if not MIN_WEIGHT <= float(value) <= MAX_WEIGHT:  # also refuses NaN
        raise ValidationError({"weight": f"Give a weight from {MIN_WEIGHT:g} to {MAX_WEIGHT:g}."})
    return float(value)


def _clean_annotation(*, actor: User, analysis: Analysis, value: Any) -> Annotation | None:
    if value is None:
        return None
    pk = value.pk if isinstance(value, Annotation) else value
    if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
        raise ValidationError({"annotation": "Give an annotation id."})
    found = (
        Annotation.objects.visible_to(actor)
        .filter(pk=pk, team_id=analysis.team_id, visibility=Annotation.Visibility.TEAM)
        .first()
    )
    if found is None:  # another team's, private, in the trash or unknown: all alike
        raise ValidationError({"annotation": "No shared annotation of this team has this id."})
    return found


# --- History ----------------------------------------------------------------------------------


def _hypothesis_data(h: Hypothesis) -> dict[str, Any]:
    return {"text": h.text, "position": h.position}


def _evidence_data(e: Evidence) -> dict[str, Any]:
    return {
        "annotation": e.annotation_id,
        "note": e.note,
        "credibility": e.credibility,
        "reliability": e.reliability,
        "weight": e.weight,
        "position": e.position,
    }


def analysis_state(analysis: Analysis) -> State:
    """The whole matrix as stored in the history (JSON keys are strings)."""
    return {
        "question": analysis.question,
        "hypotheses": {
            str(h.pk): _hypothesis_data(h) for h in Hypothesis.objects.filter(analysis=analysis)
        },
        "evidence": {
            str(e.pk): _evidence_data(e) for e in Evidence.objects.filter(analysis=analysis)
        },
        "ratings": {
            f"{e}:{h}": v
            for e, h, v in Rating.objects.filter(evidence__analysis=analysis).values_list(
                "evidence_id", "hypothesis_id", "value"
            )
        },
    }


def _apply(state: State, changes: list[dict[str, Any]]) -> None:
    for change in changes:
        kind, key, data = change["kind"], str(change.get("id", "")), change.get("data")
        if kind == "question":
            state["question"] = data
        elif kind in ("hypothesis", "evidence"):
            table = state["hypotheses" if kind == "hypothesis" else "evidence"]
            if data is None:
                table.pop(key, None)
                index = 1 if kind == "hypothesis" else 0
                state["ratings"] = {
                    cell: v for cell, v in state["ratings"].items() if cell.split(":")[index] != key
                }
            else:
                table[key] = data
        elif kind == "rating":
            if data is None:
                state["ratings"].pop(key, None)
            else:
                state["ratings"][key] = data


def analysis_state_at(analysis: Analysis, number: int) -> State:
    """The matrix as it was at version ``number``: the last full state at or before it, and
    the changes after it."""
    base = (
        AnalysisVersion.objects.filter(analysis=analysis, number__lte=number, state__isnull=False)
        .order_by("-number")
        .first()
    )
    if (
        base is None
        or not AnalysisVersion.objects.filter(analysis=analysis, number=number).exists()
    ):
        raise ValidationError({"version": f"This analysis has no version {number}."})
    state: State = dict(base.state or {})
    for changes in (
        AnalysisVersion.objects.filter(
            analysis=analysis, number__gt=base.number, number__lte=number
        )
        .order_by("number")
        .values_list("changes", flat=True)
    ):
        _apply(state, changes)
    return state


def _record(
    analysis: Analysis,
    *,
    actor: User,
    action: str,
    summary: str,
    changes: list[dict[str, Any]] | None = None,
    state: State | None = None,
) -> Analysis:
    analysis.version = F("version") + 1
    analysis.save(update_fields=["version", "updated_at"])
    analysis.refresh_from_db(fields=["version", "updated_at"])
    AnalysisVersion.objects.create(
        analysis=analysis,
        number=analysis.version,
        action=action,
        summary=summary[:300],
        changes=changes or [],
        state=state,
        actor=actor,
    )
    return analysis


def _lock(*, analysis: Analysis, actor: User, expected_version: int | None) -> Analysis:
    locked = Analysis.objects.select_for_update().get(pk=analysis.pk)
    require_role(user=actor, team=locked.team, roles=ANNOTATE_ROLES, action="edit analyses")
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    return locked


def _next_position(model: type[Hypothesis] | type[Evidence], analysis: Analysis) -> int:
    top = model.objects.filter(analysis=analysis).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


# --- Analyses ---------------------------------------------------------------------------------


@transaction.atomic
def ach_create(
    *, user: User, team: Team, question: str, hypotheses: list[str] | None = None
) -> Analysis:
    """A new analysis of ``team`` asking ``question``, with optional first hypotheses."""
    require_role(user=user, team=team, roles=ANNOTATE_ROLES, action="start analyses")
    question = _clean_text(question, field="question", limit=MAX_QUESTION_CHARS)
    texts = [
        _clean_text(t, field="hypotheses", limit=MAX_HYPOTHESIS_CHARS) for t in hypotheses or []
    ]
    if len(texts) > MAX_HYPOTHESES:
        raise ValidationError({"hypotheses": f"At most {MAX_HYPOTHESES} hypotheses."})
    if Analysis.objects.filter(team=team).count() >= MAX_ANALYSES_PER_TEAM:
        raise ValidationError(
            {"team": f"The team has {MAX_ANALYSES_PER_TEAM} analyses; delete one first."}
        )
    analysis = Analysis.objects.create(team=team, question=question, created_by=user, version=1)
    Hypothesis.objects.bulk_create(
        [Hypothesis(analysis=analysis, text=t, position=i) for i, t in enumerate(texts)]
    )
    AnalysisVersion.objects.create(
        analysis=analysis,
        number=1,
        action="create",
        summary="Created",
        state=analysis_state(analysis),
        actor=user,
    )
    return analysis


@transaction.atomic
def ach_update(
    *, analysis: Analysis, actor: User, question: str, expected_version: int | None = None
) -> Analysis:
    locked = _lock(analysis=analysis, actor=actor, expected_version=expected_version)
    locked.question = _clean_text(question, field="question", limit=MAX_QUESTION_CHARS)
    locked.save(update_fields=["question", "updated_at"])
    return _record(
        locked,
        actor=actor,
        action="question",
        summary="Changed the question",
        changes=[{"kind": "question", "data": locked.question}],
    )


@transaction.atomic
def ach_delete(*, analysis: Analysis, actor: User, expected_version: int | None = None) -> None:
    _lock(analysis=analysis, actor=actor, expected_version=expected_version).delete()


@transaction.atomic
def ach_restore(
    *, analysis: Analysis, actor: User, number: Any, expected_version: int | None = None
) -> Analysis:
    """Make the matrix what it was at version ``number``, as a new version. Rows keep their
    ids; an evidence row whose claim has since been deleted keeps its note without it."""
    locked = _lock(analysis=analysis, actor=actor, expected_version=expected_version)
    if isinstance(number, bool) or not isinstance(number, int) or not 0 < number < 2**31:
        raise ValidationError({"version": "Give a version number."})
    state = analysis_state_at(locked, number)
    Hypothesis.objects.filter(analysis=locked).delete()  # ratings cascade
    Evidence.objects.filter(analysis=locked).delete()
    locked.question = state["question"]
    locked.save(update_fields=["question", "updated_at"])
    Hypothesis.objects.bulk_create(
        [Hypothesis(pk=int(k), analysis=locked, **v) for k, v in state["hypotheses"].items()]
    )
    claims = {int(v["annotation"]) for v in state["evidence"].values() if v["annotation"]}
    alive = set(Annotation.objects.filter(pk__in=claims).values_list("pk", flat=True))
    Evidence.objects.bulk_create(
        [_evidence_from_state(locked, int(k), v, alive) for k, v in state["evidence"].items()]
    )
    Rating.objects.bulk_create(
        [
            Rating(
                evidence_id=int(cell.split(":")[0]), hypothesis_id=int(cell.split(":")[1]), value=v
            )
            for cell, v in state["ratings"].items()
        ]
    )
    return _record(
        locked,
        actor=actor,
        action="restore",
        summary=f"Restored version {number}",
        state=analysis_state(locked),
    )


def _evidence_from_state(
    analysis: Analysis, pk: int, data: dict[str, Any], alive: set[int]
) -> Evidence:
    claim = data.get("annotation")
    return Evidence(
        pk=pk,
        analysis=analysis,
        annotation_id=claim if claim in alive else None,
        note=data.get("note", ""),
        credibility=data.get("credibility"),
        reliability=data.get("reliability", ""),
        weight=data.get("weight"),
        position=data.get("position", 0),
    )


# --- Hypotheses -------------------------------------------------------------------------------


def _locked_hypothesis(hypothesis: Hypothesis, actor: User, expected: int | None) -> Hypothesis:
    analysis = _lock(analysis=hypothesis.analysis, actor=actor, expected_version=expected)
    locked = Hypothesis.objects.get(pk=hypothesis.pk)
    locked.analysis = analysis
    return locked


@transaction.atomic
def hypothesis_add(
    *, analysis: Analysis, actor: User, text: str, expected_version: int | None = None
) -> Hypothesis:
    locked = _lock(analysis=analysis, actor=actor, expected_version=expected_version)
    text = _clean_text(text, field="text", limit=MAX_HYPOTHESIS_CHARS)
    if Hypothesis.objects.filter(analysis=locked).count() >= MAX_HYPOTHESES:
        raise ValidationError({"text": f"At most {MAX_HYPOTHESES} hypotheses per analysis."})
    h = Hypothesis.objects.create(
        analysis=locked, text=text, position=_next_position(Hypothesis, locked)
    )
    _record(
        locked,
        actor=actor,
        action="hypothesis_add",
        summary=f"Added hypothesis “{text[:80]}”",
        changes=[{"kind": "hypothesis", "id": h.pk, "data": _hypothesis_data(h)}],
    )
    return h


@transaction.atomic
def hypothesis_edit(
    *,
    hypothesis: Hypothesis,
    actor: User,
    text: str | None = None,
    position: int | None = None,
    expected_version: int | None = None,
) -> Hypothesis:
    h = _locked_hypothesis(hypothesis, actor, expected_version)
    if text is not None:
        h.text = _clean_text(text, field="text", limit=MAX_HYPOTHESIS_CHARS)
    if position is not None:
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 2**31:
            raise ValidationError({"position": "Give a whole number from 0."})
        h.position = position
    h.save()
    _record(
        h.analysis,
        actor=actor,
        action="hypothesis_edit",
        summary=f"Changed hypothesis “{h.text[:80]}”",
        changes=[{"kind": "hypothesis", "id": h.pk, "data": _hypothesis_data(h)}],
    )
    return h


@transaction.atomic
def hypothesis_remove(
    *, hypothesis: Hypothesis, actor: User, expected_version: int | None = None
) -> Analysis:
    h = _locked_hypothesis(hypothesis, actor, expected_version)
    pk, text = h.pk, h.text
    h.delete()
    return _record(
        h.analysis,
        actor=actor,
        action="hypothesis_remove",
        summary=f"Removed hypothesis “{text[:80]}”",
        changes=[{"kind": "hypothesis", "id": pk, "data": None}],
    )


# --- Evidence ---------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *,
    analysis: Analysis,
    actor: User,
    annotation: Any = None,
    note: str = "",
    credibility: Any = None,
    reliability: Any = None,
    weight: Any = None,
    expected_version: int | None = None,
) -> Evidence:
    """A row for a claim annotation of the team (``annotation``: an id) and/or a free-text
    ``note``. Grades not given are copied from the claim (``evidence_default_grades``)."""
    locked = _lock(analysis=analysis, actor=actor, expected_version=expected_version)
    claim = _clean_annotation(actor=actor, analysis=locked, value=annotation)
    note = _clean_text(note, field="note", limit=MAX_NOTE_CHARS, required=claim is None)
    if Evidence.objects.filter(analysis=locked).count() >= MAX_EVIDENCE:
        raise ValidationError({"annotation": f"At most {MAX_EVIDENCE} evidence rows."})
    default_credibility, default_reliability = evidence_default_grades(claim)
    e = Evidence.objects.create(
        analysis=locked,
        annotation=claim,
        note=note,
        credibility=_clean_credibility(
            credibility if credibility is not None else default_credibility
        ),
        reliability=_clean_reliability(
            reliability if reliability is not None else default_reliability
        ),
        weight=_clean_weight(weight),
        position=_next_position(Evidence, locked),
    )
    label = claim.exact if claim is not None else note
    _record(
        locked,
        actor=actor,
        action="evidence_add",
        summary=f"Added evidence “{label[:80]}”",
        changes=[{"kind": "evidence", "id": e.pk, "data": _evidence_data(e)}],
    )
    return e


_UNSET: Any = object()


@transaction.atomic
def evidence_edit(
    *,
    evidence: Evidence,
    actor: User,
    note: Any = _UNSET,
    credibility: Any = _UNSET,
    reliability: Any = _UNSET,
    weight: Any = _UNSET,
    position: Any = _UNSET,
    expected_version: int | None = None,
) -> Evidence:
    """Change a row's note, grades or hand-set weight (None clears it: the grades decide)."""
    analysis = _lock(analysis=evidence.analysis, actor=actor, expected_version=expected_version)
    e = Evidence.objects.get(pk=evidence.pk)
    if note is not _UNSET:
        e.note = _clean_text(
            note, field="note", limit=MAX_NOTE_CHARS, required=e.annotation_id is None
        )
    if credibility is not _UNSET:
        e.credibility = _clean_credibility(credibility)
    if reliability is not _UNSET:
        e.reliability = _clean_reliability(reliability)
    if weight is not _UNSET:
        e.weight = _clean_weight(weight)
    if position is not _UNSET:
        if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 2**31:
            raise ValidationError({"position": "Give a whole number from 0."})
        e.position = position
    e.save()
    _record(
        analysis,
        actor=actor,
        action="evidence_edit",
        summary="Changed evidence",
        changes=[{"kind": "evidence", "id": e.pk, "data": _evidence_data(e)}],
    )
    return e


@transaction.atomic
def evidence_remove(
    *, evidence: Evidence, actor: User, expected_version: int | None = None
) -> Analysis:
    analysis = _lock(analysis=evidence.analysis, actor=actor, expected_version=expected_version)
    pk = evidence.pk
    Evidence.objects.filter(pk=pk).delete()
    return _record(
        analysis,
        actor=actor,
        action="evidence_remove",
        summary="Removed evidence",
        changes=[{"kind": "evidence", "id": pk, "data": None}],
    )


# --- Ratings ----------------------------------------------------------------------------------


@transaction.atomic
def rating_set(
    *,
    analysis: Analysis,
    actor: User,
    evidence: Any,
    hypothesis: Any,
    value: Any,
    expected_version: int | None = None,
) -> Analysis:
    """Rate one cell: CC, C, N, I, II or NA; an empty value clears it (unrated counts as NA)."""
    locked = _lock(analysis=analysis, actor=actor, expected_version=expected_version)
    if value is not None and not isinstance(value, str):
        raise ValidationError({"value": f"Give one of {', '.join(RATINGS)}."})
    value = (value or "").strip().upper()
    if value and value not in RATINGS:
        raise ValidationError(
            {"value": f"Unknown rating {value[:8]!r}: give one of {', '.join(RATINGS)}."}
        )
    ids = {}
    for field, model, given in (
        ("evidence", Evidence, evidence),
        ("hypothesis", Hypothesis, hypothesis),
    ):
        pk = given.pk if isinstance(given, (Evidence, Hypothesis)) else given
        if isinstance(pk, bool) or not isinstance(pk, int) or not 0 < pk < 2**63:
            raise ValidationError({field: f"Give a {field} id."})
        if not model.objects.filter(pk=pk, analysis=locked).exists():
            raise ValidationError({field: f"This analysis has no {field} {pk}."})
        ids[field] = pk
    cell = f"{ids['evidence']}:{ids['hypothesis']}"
    if value:
        Rating.objects.update_or_create(
            evidence_id=ids["evidence"], hypothesis_id=ids["hypothesis"], defaults={"value": value}
        )
    else:
        Rating.objects.filter(evidence_id=ids["evidence"], hypothesis_id=ids["hypothesis"]).delete()
    return _record(
        locked,
        actor=actor,
        action="rating",
        summary=f"Rated {value or 'cleared'}",
        changes=[{"kind": "rating", "id": cell, "data": value or None}],
    )
