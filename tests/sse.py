"""A Server-Sent Events client for the tests: reads frames over a real HTTP connection."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from django.test import Client


class SSEReader:
    def __init__(
        self,
        url: str,
        *,
        cookie: str = "",
        token: str = "",
        last_event_id: int | str | None = None,
        timeout: float = 5,
    ):
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if cookie:
            headers["Cookie"] = cookie
        if token:
            headers["Authorization"] = f"Token {token}"
        if last_event_id is not None:
            headers["Last-Event-ID"] = str(last_event_id)
        self.conn.request("GET", f"{parts.path}?{parts.query}", headers=headers)
        self.response = self.conn.getresponse()

    def frames(self) -> Iterator[dict[str, str]]:
        """Each frame as {field: value}; comments come as {":": text}."""
        frame: dict[str, str] = {}
        while True:
            line = self.response.readline().decode()
            if not line:
                return
            line = line.rstrip("\n")
            if not line:
                if frame:
                    yield frame
                frame = {}
            elif line.startswith(":"):
                yield {":": line[1:].strip()}
            else:
                field, _, value = line.partition(":")
                frame[field] = value.removeprefix(" ")

    def next_event(self) -> dict[str, str]:
        for frame in self.frames():
            if frame.get("event") == "annotation":
                return frame
        raise AssertionError("the stream ended")

    def next_data(self) -> dict[str, Any]:
        return json.loads(self.next_event()["data"])

    def close(self) -> None:
        self.conn.close()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"
