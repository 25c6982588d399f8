"""Batch screening writes: a list of names checked against a team's entities in the background
(a ``screen`` job, ``services/jobs.py``), its results stored per name (``models/screening.py``).

Running a screening again (the job's retry after a crash, or an analyst's "run again" after the
team's entities changed) replaces its result rows: the outcome is the same whether it ran once
or many times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.formats.screening import names_clean
from annotations.lib.plural import counted
from annotations.models import (
    MAX_SCREENING_NAMES,
    Job,
    Membership,
    Screening,
    ScreeningResult,
    Team,
)
from annotations.selectors.screening import EntityStats, entity_stats
from annotations.selectors.screening_match import Match, candidates_for, match_names
from annotations.services.jobs import job_enqueue

# Names matched and written per transaction (and per progress step).
BATCH = 200
MAX_TITLE = 200


@transaction.atomic
def screening_create(
    *, team: Team, actor: User, names: Sequence[object], title: str = "", field: str = "names"
) -> Screening:
    """Store a list of names to screen against ``team``'s entities and queue the job that does
    it. Any member of the team may screen. ``field`` names the input in errors."""
    if not Membership.objects.filter(team=team, user=actor).exists():
        raise ValidationError({"team": "You are not a member of this team."})
    clean = names_clean(names, field=field)
    title = " ".join(str(title).split())
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": f"At most {MAX_TITLE} characters."})
    if "\x00" in title:
        raise ValidationError({"title": "A title may not contain the NUL character."})
    screening = Screening.objects.create(
        team=team, title=title, names=clean, name_count=len(clean), created_by=actor
    )
    _queue(screening, actor)
    return screening


def _queue(screening: Screening, actor: User | None) -> None:
    screening.job = job_enqueue(
        team=screening.team,
        kind=Job.Kind.SCREEN,
        params={"screening_id": screening.pk},
        created_by=actor,
        total=screening.name_count,
    )
    screening.save(update_fields=["job"])


@transaction.atomic
def screening_rerun(*, screening: Screening, actor: User) -> Screening:
    """Screen the same names again (the team's entities may have changed); the new results
    replace the old ones when the job runs. Refused while the screening is still running."""
    job = screening.job
    if job is not None and job.status in {Job.Status.QUEUED, Job.Status.RUNNING}:
        raise ValidationError({"screening": "This screening is still running."})
    _queue(screening, actor)
    return screening


def _rows(
    screening: Screening,
    start: int,
    names: Sequence[str],
    matches: list[list[Match]],
    stats: dict[int, EntityStats],
) -> list[ScreeningResult]:
    rows = []
    for offset, (name, found) in enumerate(zip(names, matches, strict=True)):
        position = start + offset + 1
        if not found:
            rows.append(
                ScreeningResult(
                    screening=screening,
                    position=position,
                    name=name,
                    match_kind=ScreeningResult.MatchKind.NONE,
                )
            )
        for match in found:
            one = stats[match.entity_id]
            rows.append(
                ScreeningResult(
                    screening=screening,
                    position=position,
                    name=name,
                    match_kind=match.kind,
                    score=match.score,
                    entity_id=match.entity_id,
                    entity_name=match.entity_name[:300],
                    matched_name=match.matched_name[:300],
                    article_count=one.article_count,
                    claim_count=one.claim_count,
                    first_seen=one.first_seen,
                    last_seen=one.last_seen,
                )
            )
    return rows


def screening_run(
    *, screening: Screening, on_progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Match every name of the screening and store the results, a batch per transaction."""
    names = [str(n) for n in screening.names][:MAX_SCREENING_NAMES]
    ScreeningResult.objects.filter(screening=screening).delete()
    candidates = candidates_for(screening.team_id)
    stats: dict[int, EntityStats] = {}
    matched = 0
    for start in range(0, len(names), BATCH):
        batch = names[start : start + BATCH]
        matches = match_names(batch, candidates)
        new = {m.entity_id for found in matches for m in found} - stats.keys()
        stats.update(entity_stats(team_id=screening.team_id, entity_ids=new))
        with transaction.atomic():
            ScreeningResult.objects.bulk_create(_rows(screening, start, batch, matches, stats))
        matched += sum(1 for found in matches if found)
        if on_progress is not None:
            on_progress(start + len(batch), len(names))
    return {
        "names": len(names),
        "matched": matched,
        "message": f"{counted(matched, 'name')} of {len(names)} matched",
    }
