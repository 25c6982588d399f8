"""Every page fetch, and its archive: ``page_fetch_archived`` is THE way NewsNotes fetches a
page by URL (URL import, feed items, re-fetches of imported articles).

It fetches through the SSRF-safe fetcher (``lib/urlfetch.py``) with the deployment's address
policy, and keeps what came back as a WARC response record (``lib/warc.py``) in the archive
storage (``STORAGES["archive"]``, any Django storage backend), with an ``ArchiveRecord`` row
that says where it is and what it holds. Callers attach the record to the article the page
became with ``archive_record_attach`` once they know it.

A 304 Not Modified (conditional GET) is no page and is not archived; neither is a feed
document (``archive=False``): items are the evidence, the feed only lists them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.utils import timezone

from annotations.lib.urlfetch import FetchedPage, fetch_url, is_public_address
from annotations.lib.warc import warc_response_record
from annotations.models import ArchiveRecord, Article, Team

logger = logging.getLogger(__name__)

_EXPORT_CHUNK = 256 * 1024


def fetch_policy() -> dict[str, Any]:
    """The address policy of URL fetches: public addresses only, plus loopback where the
    settings allow it (tests that serve pages from 127.0.0.1; production refuses that)."""
    if settings.URLFETCH_ALLOW_LOOPBACK and not settings.PRODUCTION:
        return {"allow_address": lambda ip: ip.is_loopback or is_public_address(ip)}
    return {}


def archive_storage() -> Storage:
    return storages["archive"]


def page_fetch_archived(
    *,
    team: Team,
    url: str,
    article: Article | None = None,
    archive: bool = True,
    **fetch_options: Any,
) -> tuple[FetchedPage, ArchiveRecord | None]:
    """Fetch ``url`` for ``team`` and archive the response; raises ``FetchError``.

    A re-fetch of an imported article, for instance::

        page, record = page_fetch_archived(team=article.team, url=article.url, article=article)

    ``fetch_options`` go to ``fetch_url`` (``headers`` for a conditional GET, ``max_bytes``,
    ``accept_types``, ``timeout``; tests pass ``resolver``). Returns the page and its
    ``ArchiveRecord`` (None for a 304 or with ``archive=False``)."""
    fetched_at = timezone.now()
    page = fetch_url(url, **{**fetch_policy(), **fetch_options})
    if not archive or page.status == 304:
        return page, None
    return page, archive_record_write(team=team, page=page, fetched_at=fetched_at, article=article)


def archive_record_write(
    *,
    team: Team,
    page: FetchedPage,
    fetched_at: Any,
    article: Article | None = None,
) -> ArchiveRecord:
    """Write ``page`` as a WARC record to the archive storage and record where it is.

    The file is written first: a row never points at nothing. A crash between the two leaves
    an unlisted file, which the export never reads."""
    record = warc_response_record(
        page, fetched_at=fetched_at, max_bytes=settings.NEWSNOTES_ARCHIVE_MAX_BYTES
    )
    name = f"warc/{team.pk}/{fetched_at:%Y/%m/%d}/{uuid.uuid4().hex}.warc.gz"
    stored = archive_storage().save(name, ContentFile(record.data))
    return ArchiveRecord.objects.create(
        team=team,
        article=article,
        url=page.url[:2000],
        final_url=page.final_url[:2000],
        status=page.status,
        content_type=page.content_type[:100],
        fetched_at=fetched_at,
        sha256=record.sha256,
        size=record.size,
        truncated=record.truncated,
        record_bytes=len(record.data),
        storage_name=stored,
    )


@transaction.atomic
def archive_record_attach(*, record: ArchiveRecord | None, article: Article) -> None:
    """Tie an archived fetch to the article its page became (or matched)."""
    if record is None or record.team_id != article.team_id:
        return
    ArchiveRecord.objects.filter(pk=record.pk).update(article=article)
    record.article = article


def archive_record_chunks(record: ArchiveRecord) -> Iterator[bytes]:
    """The stored gzipped WARC record, in chunks."""
    with archive_storage().open(record.storage_name, "rb") as handle:
        while chunk := handle.read(_EXPORT_CHUNK):
            yield chunk


def archive_export_chunks(*, team: Team) -> Iterator[bytes]:
    """A team's whole archive as one ``.warc.gz`` stream: its gzipped records one after the
    other, oldest first (a valid WARC file: each record is a gzip member). Rows are read in
    batches, so memory stays flat however large the archive; a record whose file is missing
    is skipped and logged."""
    last_id = 0
    while True:
        batch = list(ArchiveRecord.objects.filter(team=team, pk__gt=last_id).order_by("pk")[:500])
        if not batch:
            return
        for record in batch:
            try:
                yield from archive_record_chunks(record)
            except OSError:
                logger.warning("archive.missing id=%s name=%s", record.pk, record.storage_name)
        last_id = batch[-1].pk
