"""The import paths: plain text, HTML, a URL, and JSON Lines in bulk.

Each path ends in the same place: a canonical text, deduplicated within the team by URL and by
text hash, so importing the same material twice creates nothing and touches no annotation.
New articles are queued for NER once the transaction commits.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any, cast
from urllib.parse import urlsplit

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from annotations.formats.files import raw_chunks, split_lines
from annotations.formats.jsonl import MAX_LINE_BYTES, numbered_lines, parse_line
from annotations.lib.errorlist import ErrorList, ErrorReporting
from annotations.lib.htmltext import ExtractionError, decode_html, extract_article
from annotations.lib.titles import split_title
from annotations.lib.trailers import drop_trailers
from annotations.lib.urlfetch import (
    FetchedPage,
    FetchError,
    check_url_addresses,
    is_public_address,
    legacy_ipv4,
)
from annotations.models import ArchiveRecord, Article, ArticleRevision, Job, Team
from annotations.nlp.detection import detect_languages
from annotations.services.archive import archive_record_attach, fetch_policy, page_fetch_archived
from annotations.services.articles import (
    _clean_authors,
    _clean_title,
    _clean_url,
    article_create,
    canonical_text,
    outlet_for,
    text_sha256,
)
from annotations.services.entities import copy_insert
from annotations.services.jobs import job_enqueue
from annotations.services.search_index import search_index_article_rows
from annotations.services.teams import IMPORT_ROLES, require_role

logger = logging.getLogger(__name__)

MAX_HTML_BYTES = 5 * 1024 * 1024
BULK_CHUNK = 500
ARTICLE_FIELDS = {"text", "title", "url", "outlet", "authors", "published_at", "language"}


def parse_published_at(value: Any, *, field_name: str = "published_at") -> datetime | None:
    """ISO 8601 date or date-time; naive values are taken as UTC."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed: datetime | None = value
    elif isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
            if parsed is None and (day := parse_date(value.strip())) is not None:
                parsed = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - made aware below
        except ValueError:
            parsed = None
    else:
        parsed = None
    if parsed is None:
        raise ValidationError(
            {field_name: f"{str(value)[:60]!r} is not an ISO 8601 date (e.g. 2024-11-01T09:30Z)."}
        )
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _existing(*, team: Team, url: str, digest: str) -> Article | None:
    if url:
        found = Article.objects.filter(team=team, url=url).first()
        if found is not None:
            return found
    return Article.objects.filter(team=team, text_sha256=digest).order_by("pk").first()


def _queue_analysis(*, team: Team, article_ids: list[int], user: User | None) -> Job | None:
    if not article_ids:
        return None
    return job_enqueue(
        team=team,
        kind=Job.Kind.ANALYZE,
        params={"article_ids": article_ids},
        created_by=user,
        total=len(article_ids),
    )


@transaction.atomic
def import_text(
    *,
    team: Team,
    user: User | None,
    text: str,
    title: str = "",
    url: str = "",
    outlet_name: str = "",
    authors: Any = None,
    published_at: Any = None,
    language: str = "",
    analyze: bool = True,
) -> tuple[Article, bool]:
    """Import one article; return it and whether it is new (False: it was already there)."""
    if user is not None:
        require_role(user=user, team=team, roles=IMPORT_ROLES, action="import articles")
    text = canonical_text(text)
    if not " ".join((title or "").split()):
        title, text = split_title(text)  # a headline leaves the text; a lead stays in it
    url = _clean_url(url)
    existing = _existing(team=team, url=url, digest=text_sha256(text))
    if existing is not None:
        return existing, False
    article = article_create(
        team=team,
        text=text,
        title=title,
        url=url,
        outlet_name=outlet_name,
        authors=authors,
        published_at=parse_published_at(published_at),
        language=language,
        imported_by=user,
    )
    if analyze:
        job = _queue_analysis(team=team, article_ids=[article.pk], user=user)
        # The caller (the API) hands the job to the page, which shows its progress.
        article.analysis_job_id = job.pk if job else None  # type: ignore[attr-defined]
    return article, True


def import_html(
    *,
    team: Team,
    user: User | None,
    html: str | bytes,
    url: str = "",
    charset: str | None = None,
    analyze: bool = True,
) -> tuple[Article, bool]:
    """Extract the main text and metadata from an HTML page and import it."""
    if len(html) > MAX_HTML_BYTES:
        raise ValidationError({"html": f"The page is larger than {MAX_HTML_BYTES // 2**20} MB."})
    try:
        markup = decode_html(html, charset) if isinstance(html, bytes) else html
        extracted = extract_article(markup, url=url or None)
    except ExtractionError as exc:
        raise ValidationError({"html": str(exc)}) from None
    return import_text(
        team=team,
        user=user,
        text=extracted.text,
        title=extracted.title,
        url=url or extracted.url,
        outlet_name=extracted.site_name,
        authors=extracted.authors,
        published_at=extracted.published_at,
        language=extracted.language or "",
        analyze=analyze,
    )


def import_url(
    *,
    team: Team,
    user: User | None,
    url: str,
    analyze: bool = True,
    **fetch_options: Any,
) -> tuple[Article, bool]:
    """Fetch a public http(s) page (SSRF-safe, 10 s, 5 MB), archive it (a WARC record, see
    ``services/archive.py``) and import it as HTML."""
    if user is not None:
        require_role(user=user, team=team, roles=IMPORT_ROLES, action="import articles")
    url = _clean_url(url)
    if not url:
        raise ValidationError({"url": "Give the URL of the article."})
    existing = Article.objects.filter(team=team, url=url).first()
    if existing is not None:
        return existing, False
    page, record = fetch_page(team=team, url=url, **fetch_options)
    if page.content_type == "text/plain":
        body = plain_page_text(page)
        article, created = import_text(team=team, user=user, text=body, url=url, analyze=analyze)
    else:
        article, created = import_html(
            team=team, user=user, html=page.body, url=url, charset=page.charset, analyze=analyze
        )
    archive_record_attach(record=record, article=article)
    if created:
        # Silent edits: the page is fetched again on the team's schedule (services/refetches.py).
        from annotations.services.refetches import refetch_schedule

        refetch_schedule(article=article, page=page)
    return article, created


def plain_page_text(page: FetchedPage) -> str:
    """The text of a text/plain page, without its boilerplate trailer lines."""
    body = page.body.decode(page.charset or "utf-8", errors="replace")
    return "\n".join(drop_trailers(body.replace("\r\n", "\n").split("\n")))


def fetch_page(
    *, team: Team, url: str, article: Article | None = None, **fetch_options: Any
) -> tuple[FetchedPage, ArchiveRecord | None]:
    """Fetch a page for the team, SSRF-safe, and archive it as a WARC record
    (services/archive.py): the one fetch of URL imports and of re-fetches
    (services/refetches.py), so whatever every fetch must do happens here."""
    try:
        return page_fetch_archived(team=team, url=url, article=article, **fetch_options)
    except FetchError as exc:
        raise ValidationError({"url": str(exc)}) from None


# --- JSON Lines ---------------------------------------------------------------------------
# Lines are read by annotations/formats/jsonl.py, the parser every JSON Lines import shares.


@dataclass
class ImportReport(ErrorReporting):
    """What a JSON Lines import did: the articles it created, those already in the team, and
    the first ``MAX_REPORTED_ERRORS`` bad lines by number, with the count of them all."""

    created: list[int] = field(default_factory=list)
    duplicates: int = 0  # a count: a file of a million copies holds no million ids
    error_list: ErrorList = field(default_factory=lambda: ErrorList("line"))
    lines: int = 0
    job_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "created": len(self.created),
            "duplicates": self.duplicates,
            **self.error_list.summary(),
            "article_ids": self.created,
            "job": self.job_id,
        }


@dataclass
class _Row:
    line: int
    text: str
    digest: str
    title: str
    url: str
    outlet: str
    authors: list[str]
    published_at: datetime | None
    language: str


def _first_error(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        name, messages = next(iter(exc.message_dict.items()))
        return f"{name}: {messages[0]}"
    return exc.messages[0]


def _parse_line(number: int, raw: bytes | str) -> _Row:
    record = parse_line(
        raw,
        max_bytes=MAX_LINE_BYTES,
        fields=ARTICLE_FIELDS,
        expected="a JSON object with at least a 'text' field",
    )
    if "text" not in record:
        raise ValidationError({"text": "missing"})
    for name in ("title", "url", "outlet", "language"):
        if record.get(name) is not None and not isinstance(record[name], str):
            raise ValidationError({name: "must be a string"})
    text = canonical_text(record["text"])
    return _Row(
        line=number,
        text=text,
        digest=text_sha256(text),
        title=_clean_title(record.get("title") or "", text),
        url=_clean_url(record.get("url") or ""),
        outlet=record.get("outlet") or "",
        authors=_clean_authors(record.get("authors")),
        published_at=parse_published_at(record.get("published_at")),
        language=(record.get("language") or "")[:16],
    )


def _chunks(lines: Iterable[bytes | str], size: int) -> Iterator[list[tuple[int, bytes | str]]]:
    chunk: list[tuple[int, bytes | str]] = []
    for number, raw in numbered_lines(lines):
        chunk.append((number, raw))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_jsonl(
    *,
    team: Team,
    user: User | None,
    lines: Iterable[bytes | str] | IO[bytes],
    analyze: bool = True,
    analysis_follows: bool | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import one article per line, from a file (an upload, an open file: read in chunks,
    each line bounded) or from its lines. A bad line is reported with its number and reason,
    and the rest goes on; each chunk of good lines is written in bulk, in one transaction.

    When the new articles' analysis follows (``analysis_follows``, by default ``analyze``:
    the queued job, or the caller's own ``articles_analyze``), the import writes their rows
    and a search row of their title, outlet and authors, and leaves the rest to the analysis,
    which parses them anyway: it detects the language of lines that do not state one and
    indexes the text (services/analysis.py). Otherwise both happen here.
    """
    if analysis_follows is None:
        analysis_follows = analyze
    if user is not None:
        require_role(user=user, team=team, roles=IMPORT_ROLES, action="import articles")
    if hasattr(lines, "read"):
        # Not the file's own line iterator: that one would take a line of any length whole.
        lines = split_lines(raw_chunks(cast(IO[bytes], lines)), max_line_bytes=MAX_LINE_BYTES)
    report = ImportReport()
    for chunk in _chunks(lines, BULK_CHUNK):
        rows = []
        for number, raw in chunk:
            try:
                rows.append(_parse_line(number, raw))
            except ValidationError as exc:
                report.error(number, _first_error(exc))
        _write_rows(team=team, user=user, rows=rows, report=report, complete=not analysis_follows)
        report.lines = chunk[-1][0]
        if on_progress:
            on_progress(report.lines)
    if analyze and report.created:
        with transaction.atomic():
            job = _queue_analysis(team=team, article_ids=report.created, user=user)
        report.job_id = job.pk if job else None
    logger.info(
        "articles.imported team=%s created=%s duplicates=%s errors=%s",
        team.slug,
        len(report.created),
        report.duplicates,
        report.error_count,
    )
    return report


@transaction.atomic
def _write_rows(
    *, team: Team, user: User | None, rows: list[_Row], report: ImportReport, complete: bool
) -> None:
    """Write the new rows of one chunk; ``complete`` also detects languages and indexes the
    text (otherwise the analysis job does both, and the search row holds the title)."""
    urls = {row.url for row in rows if row.url}
    digests = {row.digest for row in rows}
    by_url = dict(Article.objects.filter(team=team, url__in=urls).values_list("url", "pk"))
    by_digest: dict[str, int] = {}
    for digest, pk in (
        Article.objects.filter(team=team, text_sha256__in=digests)
        .order_by("pk")
        .values_list("text_sha256", "pk")
    ):
        by_digest.setdefault(digest, pk)
    outlets: dict[tuple[str, str], Any] = {}
    fresh: list[tuple[_Row, Article]] = []
    seen_urls: dict[str, _Row] = {}
    seen_digests: dict[str, _Row] = {}
    for row in rows:
        existing = by_url.get(row.url) if row.url else None
        existing = existing or by_digest.get(row.digest)
        if existing is not None:
            report.duplicates += 1
            continue
        if (row.url and row.url in seen_urls) or row.digest in seen_digests:
            first = seen_urls.get(row.url) or seen_digests[row.digest]
            report.error(row.line, f"duplicate of line {first.line} in this file")
            continue
        if row.url:
            seen_urls[row.url] = row
        seen_digests[row.digest] = row
        outlet_key = (row.outlet, row.url.split("/")[2] if row.url else "")
        if outlet_key not in outlets:
            outlets[outlet_key] = outlet_for(name=row.outlet, url=row.url)
        fresh.append(
            (
                row,
                Article(
                    team=team,
                    title=row.title,
                    text=row.text,
                    text_sha256=row.digest,
                    url=row.url,
                    outlet=outlets[outlet_key],
                    authors=row.authors,
                    published_at=row.published_at,
                    language=row.language,
                    imported_by=user,
                    blind=team.blind_default,
                ),
            )
        )
    if complete:  # lines that do not state their language get the detector's, in one call
        unstated = [article for _, article in fresh if not article.language]
        codes = detect_languages([a.text for a in unstated])
        for article, code in zip(unstated, codes, strict=True):
            article.language = code
    created = [article for _, article in fresh]
    copy_insert(created)
    copy_insert(
        [
            ArticleRevision(
                article=article,
                number=1,
                text=article.text,
                text_sha256=article.text_sha256,
                title=article.title,
                authors=article.authors,
                created_by=user,
            )
            for article in created
        ]
    )
    search_index_article_rows(articles=created, text=complete)
    report.created.extend(article.pk for article in created)


_fetch_policy = fetch_policy


def check_import_url(url: str) -> str:
    """Refuse at submission what can be refused at once: other schemes, credentials,
    localhost, private address literals in any notation, and host names that resolve to a
    private address now. A name that does not resolve yet is left to the fetch, which checks
    every resolved address again when it connects."""
    raw = (url or "").strip()
    try:
        raw_host = (urlsplit(raw).hostname or "").rstrip(".").lower()
    except ValueError:
        raw_host = ""
    obfuscated = legacy_ipv4(raw_host)
    if obfuscated is not None:
        reason = "a private address" if not is_public_address(obfuscated) else "an address"
        raise ValidationError(
            {
                "url": f"The host {raw_host} is {reason} ({obfuscated}) written in an unusual "
                "notation; it is not fetched."
            }
        )
    cleaned = _clean_url(url)
    if not cleaned:
        raise ValidationError({"url": "Give the URL of the article."})
    parts = urlsplit(cleaned)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.username or parts.password:
        raise ValidationError({"url": "URLs with credentials are not fetched."})
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError({"url": f"The host {host} is this machine; it is not fetched."})
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        allowed = _fetch_policy().get("allow_address", is_public_address)
        if not allowed(address):
            raise ValidationError({"url": f"{host} is not a public address; it is not fetched."})
        return cleaned
    try:
        check_url_addresses(cleaned, **_fetch_policy())
    except FetchError as exc:
        if exc.code == "blocked_address":
            raise ValidationError({"url": str(exc)}) from None
        # Not resolvable now (or slow): the fetch will try, and check, again.
    return cleaned
