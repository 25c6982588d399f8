"""Page notes: notes on a whole article (``models/notes.py``), with their versions.

Owners, analysts and reviewers write notes; the author (or a team owner) edits and deletes
them. Every change appends an ``ArticleNoteVersion`` in the same transaction. Edits name the
version they were based on; a stale one raises ``PreconditionFailed`` (HTTP 412). Notes send
no live event: an event without an annotation reaches every teammate, and a private note's
existence is its author's business.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.exceptions import PreconditionFailed
from annotations.models import Article, ArticleNote, ArticleNoteVersion, Membership
from annotations.models.notes import MAX_NOTE_CHARS
from annotations.services.teams import DISCUSS_ROLES, require_role

logger = logging.getLogger(__name__)
_UNSET: Any = object()


def _check_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError({"text": "Write the note."})
    if len(text) > MAX_NOTE_CHARS:
        raise ValidationError({"text": f"At most {MAX_NOTE_CHARS:,} characters."})
    return text.strip()


def _check_visibility(visibility: Any) -> str:
    if visibility not in ArticleNote.Visibility.values:
        raise ValidationError({"visibility": "Choose private or team."})
    return str(visibility)


def _record(note: ArticleNote, *, action: str, actor: User) -> None:
    ArticleNoteVersion.objects.create(
        note=note,
        number=note.version,
        action=action,
        text=note.text,
        visibility=note.visibility,
        actor=actor,
    )


@transaction.atomic
def article_note_create(
    *, article: Article, author: User, text: str, visibility: str = "team"
) -> ArticleNote:
    require_role(user=author, team=article.team, roles=DISCUSS_ROLES, action="write notes")
    note = ArticleNote.objects.create(
        team_id=article.team_id,
        article=article,
        author=author,
        text=_check_text(text),
        visibility=_check_visibility(visibility),
    )
    _record(note, action=ArticleNoteVersion.Action.CREATED, actor=author)
    logger.info("note.created id=%s article=%s", note.pk, article.pk)
    return note


def _lock(*, note: ArticleNote, actor: User, expected_version: int | None) -> ArticleNote:
    locked = ArticleNote.objects.select_for_update().select_related("team").get(pk=note.pk)
    role = require_role(user=actor, team=locked.team, roles=DISCUSS_ROLES, action="change notes")
    if locked.author_id != actor.pk and role != Membership.Role.OWNER:
        raise PermissionDenied("Only the author or a team owner may change this note.")
    if locked.deleted_at is not None:
        raise ValidationError({"note": "The note was deleted."})
    if expected_version is not None and expected_version != locked.version:
        raise PreconditionFailed(current_version=locked.version)
    return locked


@transaction.atomic
def article_note_update(
    *,
    note: ArticleNote,
    actor: User,
    text: Any = _UNSET,
    visibility: Any = _UNSET,
    expected_version: int | None = None,
) -> ArticleNote:
    locked = _lock(note=note, actor=actor, expected_version=expected_version)
    if text is not _UNSET:
        locked.text = _check_text(text)
    if visibility is not _UNSET:
        locked.visibility = _check_visibility(visibility)
    locked.version = F("version") + 1
    locked.save(update_fields=["text", "visibility", "version", "modified_at"])
    locked.refresh_from_db()
    _record(locked, action=ArticleNoteVersion.Action.UPDATED, actor=actor)
    return locked


@transaction.atomic
def article_note_delete(
    *, note: ArticleNote, actor: User, expected_version: int | None = None
) -> None:
    locked = _lock(note=note, actor=actor, expected_version=expected_version)
    locked.deleted_at = timezone.now()
    locked.version = F("version") + 1
    locked.save(update_fields=["deleted_at", "version", "modified_at"])
    locked.refresh_from_db()
    _record(locked, action=ArticleNoteVersion.Action.DELETED, actor=actor)
