"""Content stamps: which cached renderings of a team's annotation lists are still true.

A team's stamp (``Team.content_stamp``) changes after every committed write that can change how
any of its annotations reads in a list: the annotation itself (every service that changes one
records a version through ``history``, which touches the stamp), its replies, its tags and the
team's tag vocabulary, the entity it is attributed to, memberships and roles (they decide what
a reader may see), blind-mode submissions, text edits that re-anchor, and the model's
suggestions. ``api/listcache.py`` keys cached list pages by the stamps of the reader's teams,
so one new stamp retires every cached page of the team at once.

The stamp changes in ``transaction.on_commit``, after the writer's transaction:

* the team row is not locked while the write runs, so writers in one team do not queue on it;
* a reader that reads the old stamp and then the new data caches newer data under the old
  stamp, which is harmless; a reader can never see the new stamp before the new data.

A process that dies between its commit and the callback leaves cached pages stale until they
expire (``NEWSNOTES_LIST_CACHE_SECONDS``); so do writes made outside the services (a Django
shell). The admin's pages that still save models directly (articles' metadata, users) touch
every team's stamp when they save or delete anything; its other pages save through services.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from annotations.models import Team, new_content_stamp


def teams_touch(*, team_ids: Iterable[int | None]) -> None:
    """Give the teams new content stamps once the current transaction commits."""
    ids = sorted({pk for pk in team_ids if pk is not None})
    if ids:
        transaction.on_commit(lambda: _renew(ids), robust=True)


def teams_touch_all() -> None:
    """New stamps for every team (direct admin edits: rare, and may touch anything)."""
    transaction.on_commit(lambda: _renew(None), robust=True)


def _renew(ids: list[int] | None) -> None:
    teams = Team.objects.all() if ids is None else Team.objects.filter(pk__in=ids)
    teams.update(content_stamp=new_content_stamp())
