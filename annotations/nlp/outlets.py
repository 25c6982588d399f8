"""Known news outlets and agencies by domain: ``known_outlet("https://edition.cnn.com/x")``.

The list is the project's own, ``data/sources/outlets.jsonl`` (one outlet a line: ``id``,
``name``, ``type``, ``domains`` with the outlet's own domain first, ISO ``country``,
``wikidata`` where known, ``aliases``). build_gazetteer.py turns the same list into gazetteer
entries, so "Yonhap" in a text and an article from yna.co.kr name the same outlet. No spaCy
here: services import this to name the outlet of an imported URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

OUTLETS_PATH = Path(__file__).resolve().parent / "data" / "sources" / "outlets.jsonl"


@dataclass(frozen=True, slots=True)
class KnownOutlet:
    id: str
    name: str
    type: str
    domain: str  # the outlet's own domain: every other domain of the outlet maps to it
    domains: tuple[str, ...]
    country: str | None
    wikidata: str | None


@cache
def _index() -> dict[str, KnownOutlet]:
    index: dict[str, KnownOutlet] = {}
    for number, line in enumerate(OUTLETS_PATH.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        data = json.loads(line)
        domains = tuple(d.lower() for d in data["domains"])
        outlet = KnownOutlet(
            id=data["id"],
            name=data["name"],
            type=data["type"],
            domain=domains[0],
            domains=domains,
            country=data.get("country"),
            wikidata=data.get("wikidata"),
        )
        for domain in domains:
            if domain in index:
                raise ValueError(f"{OUTLETS_PATH}:{number}: domain {domain} is listed twice")
            index[domain] = outlet
    return index


def outlets() -> list[KnownOutlet]:
    """Every known outlet once, in the file's order."""
    return list({o.id: o for o in _index().values()}.values())


def known_outlet(url_or_host: str) -> KnownOutlet | None:
    """The outlet whose domain is the host or a parent of it ("edition.cnn.com" -> CNN)."""
    text = (url_or_host or "").strip().lower()
    host = (urlsplit(text if "//" in text else f"//{text}").hostname or "").rstrip(".")
    index = _index()
    labels = host.split(".")
    for i in range(len(labels) - 1):  # longest first; never a bare top-level domain
        found = index.get(".".join(labels[i:]))
        if found is not None:
            return found
    return None
