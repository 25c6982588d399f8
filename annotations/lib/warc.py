"""WARC response records of fetched pages, written with warcio (the web-archiving field's
library, used by pywb, Browsertrix and Bellingcat's auto-archiver).

One fetch becomes one gzipped WARC/1.1 ``response`` record: the status line and headers as the
server sent them, the body, the final URL after redirects as ``WARC-Target-URI``, the fetch
time as ``WARC-Date`` and SHA-256 block and payload digests. Gzipped records concatenate into
a valid ``.warc.gz`` file, which is how a team's archive is exported.
"""

from __future__ import annotations

import hashlib
from base64 import b32encode
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import BufferWARCWriter

from annotations.lib.urlfetch import FetchedPage

__all__ = ["WarcRecord", "payload_digest", "warc_response_record"]

# Hop-by-hop framing that no longer describes the stored body (the fetcher de-chunks it):
# kept under the name web archives use for original headers, so replay tools do not misread it.
_RENAMED_HEADERS = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


class _Sha256Writer(BufferWARCWriter):
    """warcio computes SHA-1 digests by default; evidence wants SHA-256."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


@dataclass(frozen=True)
class WarcRecord:
    data: bytes  # one gzipped WARC record
    sha256: str  # hex SHA-256 of the payload (the body as stored)
    size: int  # payload bytes stored
    truncated: bool  # the body passed the archive cap and was cut there


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest value of a body: ``sha256:`` and the base32 digest."""
    return "sha256:" + b32encode(hashlib.sha256(body).digest()).decode("ascii")


def warc_response_record(
    page: FetchedPage, *, fetched_at: datetime, max_bytes: int | None = None
) -> WarcRecord:
    """The gzipped WARC response record of ``page`` fetched at ``fetched_at``; a body longer
    than ``max_bytes`` is cut there and the record says so (``WARC-Truncated: length``)."""
    body = page.body
    truncated = max_bytes is not None and len(body) > max_bytes
    if truncated:
        body = body[:max_bytes]
    headers = [(_RENAMED_HEADERS.get(name.lower(), name), value) for name, value in page.headers]
    status = f"{page.status} {page.reason}".strip()
    http_headers = StatusAndHeaders(status, headers, protocol=page.http_version)
    warc_headers = {
        "WARC-Date": fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    if page.url != page.final_url:
        warc_headers["WARC-Source-URI"] = page.url  # asked for; Target-URI is where it ended
    if truncated:
        warc_headers["WARC-Truncated"] = "length"
    writer = _Sha256Writer(gzip=True, warc_version="1.1")
    record = writer.create_warc_record(
        page.final_url,
        "response",
        payload=BytesIO(body),
        length=None,
        http_headers=http_headers,
        warc_headers_dict=warc_headers,
    )
    writer.write_record(record)
    return WarcRecord(
        data=writer.get_contents(),
        sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        truncated=truncated,
    )
