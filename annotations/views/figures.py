"""The figures page: one subject's figures of one kind across articles and outlets, drawn as
a chart by date and source, with outliers and contradictions flagged (selectors/figures.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.models import Entity
from annotations.nlp.figures import kind_labels
from annotations.selectors.figures import (
    MAX_FACTOR,
    figure_consistency,
    figure_subjects,
    outlier_factor,
)
from annotations.views.common import team_context


def _factor(raw: str) -> float | None:
    try:
        value = float(raw[:32])
    except ValueError:
        return None
    return value if 1.0 <= value <= MAX_FACTOR else None


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    context = team_context(request)
    team = context["team"]
    choices = figure_subjects(request.user, team_id=team.pk) if team else []
    subjects: dict[int, str] = {}
    for row in choices:
        subjects.setdefault(row["subject"], row["subject_name"])
    raw_subject = request.GET.get("subject", "")
    subject_id = int(raw_subject) if raw_subject.isdigit() and len(raw_subject) < 12 else None
    kind = request.GET.get("kind", "")
    errors: dict[str, str] = {}
    if raw_subject and subject_id not in subjects:
        errors["subject"] = "Choose a subject that has figures."
    if kind and kind not in kind_labels():
        errors["kind"] = "Choose a kind of figure."
    factor = _factor(request.GET["factor"]) if request.GET.get("factor") else outlier_factor()
    if factor is None:
        errors["factor"] = f"A number from 1 to {MAX_FACTOR:g}."
        factor = outlier_factor()
    if not errors and (subject_id is None or not kind) and choices:
        # Nothing chosen yet: the subject and kind with the most figures.
        subject_id = subject_id or choices[0]["subject"]
        kind = kind or next(r["kind"] for r in choices if r["subject"] == subject_id)
    view: dict[str, Any] | None = None
    if not errors and subject_id in subjects and kind:
        subject = Entity.objects.get(pk=subject_id)
        view = figure_consistency(user=request.user, subject=subject, kind=kind, factor=factor)
    status = 400 if errors else 200
    context.update(
        {
            "subjects": sorted(subjects.items(), key=lambda item: item[1].lower()),
            "kinds": [(k, label) for k, label in kind_labels().items()],
            "counts": choices,
            "subject_id": subject_id,
            "kind": kind,
            "factor": factor,
            "errors": errors,
            "view": view,
        }
    )
    return render(request, "annotations/figures.html", context, status=status)
