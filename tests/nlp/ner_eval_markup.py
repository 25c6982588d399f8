"""The labelled NER evaluation set: inline markup in, JSON Lines with code-point offsets out.

The articles of tests/data/ner_eval/src/*.txt are written with their labels inline, because a
labeller can read and review that; bench/ner_quality.py and the tests read the generated
tests/data/ner_eval/articles.jsonl, which holds plain text and offsets. Regenerate it after
editing a source file:

    .venv/bin/python -m tests.nlp.ner_eval_markup

A source file is a header (``key: value`` lines: ``region``, ``topic``), a line ``---`` and the
article. In the article:

* ``[[TEXT|KIND|ID]]`` is an entity mention: KIND is PERSON, ORG, GPE, LOC or NORP, ID the
  entity's slug (``gpe:colombia``, ``person:ana-ruiz``), the same in every article, so that
  mentions with one ID form an alias group within an article and a link across articles.
  ``[[TEXT|KIND|ID|c1,c2]]`` also makes the mention the named speaker of claims c1 and c2.
* ``{{c1|CLAIM}}`` is the reported content of claim c1; ``{{c2 r=ID|CLAIM}}`` a nested one,
  whose speaker is reported by entity ID ("X said Y told Z that ..." -> speaker Y, reporter X).
  Claims may hold mentions and other claims.
* ``<<c1,c2@ID|TEXT>>`` is a speaker that is not a name: a pronoun ("he") or a role ("the
  ministry", "the spokesman"), resolved to entity ID; ``@none`` when the article never names
  the speaker ("diplomats said"). TEXT may hold mentions.

The module has no dependency beyond the standard library.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "ner_eval"
SOURCE_DIR = DATA_DIR / "src"
JSONL_PATH = DATA_DIR / "articles.jsonl"

KINDS = ("PERSON", "ORG", "GPE", "LOC", "NORP")
PRONOUNS = frozenset({"he", "she", "it", "they", "him", "her", "them", "we", "i"})
_TOKEN = re.compile(r"\[\[|\]\]|<<|>>|\{\{|\}\}")
_ID = re.compile(r"^[a-z]+:[a-z0-9][a-z0-9-]*$")
_CLAIM_ID = re.compile(r"^c\d+$")


class MarkupError(ValueError):
    """A source file that does not follow the markup; the message names the file and place."""


@dataclass
class _Frame:
    opener: str
    at: int  # position in the source, for error messages
    start: int = 0  # offset in the plain text where the frame's text begins
    phase: str = "body"  # header (before the first "|"), body, meta (after the entity text)
    header: str = ""
    meta: str = ""


@dataclass
class _Article:
    text_parts: list[str] = field(default_factory=list)
    length: int = 0
    mentions: list[dict[str, Any]] = field(default_factory=list)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    speakers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def append(self, chunk: str) -> None:
        if any(c in chunk for c in "[]{}<>|"):
            raise MarkupError(f"stray markup character in {chunk!r}")
        self.text_parts.append(chunk)
        self.length += len(chunk)


def parse_source(source: str, name: str = "<source>") -> dict[str, Any]:
    """One source file -> the article's JSON record (without ``id``/``source``)."""
    head, sep, body = source.partition("\n---\n")
    if not sep:
        raise MarkupError(f"{name}: no '---' line between header and article")
    header = {}
    for line in head.splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
    body = body.strip()
    try:
        article = _parse_body(body)
    except MarkupError as error:
        raise MarkupError(f"{name}: {error}") from None
    text = "".join(article.text_parts)
    record: dict[str, Any] = {
        "region": header.get("region", ""),
        "topic": header.get("topic", ""),
        "text": text,
        "mentions": article.mentions,
        "alias_groups": _alias_groups(article.mentions),
        "claims": _claims(article, name),
    }
    return record


def _parse_body(body: str) -> _Article:
    article = _Article()
    stack: list[_Frame] = []
    pos = 0
    for match in _TOKEN.finditer(body):
        _feed(article, stack, body[pos : match.start()])
        pos = match.end()
        token = match.group()
        if token in ("[[", "<<", "{{"):
            if stack and stack[-1].opener == "[[":
                raise MarkupError(f"{token} inside an entity at {match.start()}")
            frame = _Frame(token, match.start(), start=article.length)
            if token != "[[":
                frame.phase = "header"
            stack.append(frame)
            continue
        closer_of = {"]]": "[[", ">>": "<<", "}}": "{{"}
        if not stack or stack[-1].opener != closer_of[token]:
            raise MarkupError(f"unbalanced {token} at {match.start()}")
        _close(article, stack.pop())
    _feed(article, stack, body[pos:])
    if stack:
        raise MarkupError(f"unclosed {stack[-1].opener} at {stack[-1].at}")
    return article


def _feed(article: _Article, stack: list[_Frame], chunk: str) -> None:
    if not chunk:
        return
    frame = stack[-1] if stack else None
    if frame is not None and frame.phase == "header":
        header, sep, chunk = chunk.partition("|")
        if not sep:
            raise MarkupError(f"{frame.opener} at {frame.at} has no '|' after its header")
        frame.header, frame.phase, frame.start = header.strip(), "body", article.length
    if frame is not None and frame.opener == "[[":
        if frame.phase == "meta":
            frame.meta += chunk
            return
        text, sep, meta = chunk.partition("|")
        article.append(text)
        if sep:
            frame.phase, frame.meta = "meta", meta
        return
    article.append(chunk)


def _close(article: _Article, frame: _Frame) -> None:
    span = {"start": frame.start, "end": article.length}
    if frame.opener == "[[":
        fields = frame.meta.split("|")
        if len(fields) not in (2, 3):
            raise MarkupError(f"entity at {frame.at} needs TEXT|KIND|ID[|claims]")
        kind, entity = fields[0].strip(), fields[1].strip()
        if kind not in KINDS:
            raise MarkupError(f"entity at {frame.at}: kind {kind!r} is not one of {KINDS}")
        if not _ID.match(entity):
            raise MarkupError(f"entity at {frame.at}: id {entity!r} is not a slug like gpe:x")
        article.mentions.append({**span, "kind": kind, "entity": entity})
        if len(fields) == 3:
            for claim in _claim_ids(fields[2], frame):
                _add_speaker(article, claim, {**span, "entity": entity, "type": "name"}, frame)
    elif frame.opener == "<<":
        claims, sep, entity = frame.header.partition("@")
        if not sep or not (entity == "none" or _ID.match(entity)):
            raise MarkupError(f"speaker at {frame.at} needs <<c1@ID|text>> or <<c1@none|text>>")
        for claim in _claim_ids(claims, frame):
            speaker = {**span, "entity": None if entity == "none" else entity, "type": "role"}
            _add_speaker(article, claim, speaker, frame)
    else:
        claim, *options = frame.header.split()
        if not _CLAIM_ID.match(claim) or claim in article.claims:
            raise MarkupError(f"claim at {frame.at}: bad or repeated id {claim!r}")
        reporter = None
        for option in options:
            key, _, value = option.partition("=")
            if key != "r" or not _ID.match(value):
                raise MarkupError(f"claim at {frame.at}: unknown option {option!r}")
            reporter = value
        article.claims[claim] = {"id": claim, **span, "reporter": reporter}


def _claim_ids(text: str, frame: _Frame) -> list[str]:
    ids = [c.strip() for c in text.split(",")]
    if not all(_CLAIM_ID.match(c) for c in ids):
        raise MarkupError(f"{frame.opener} at {frame.at}: bad claim ids {text!r}")
    return ids


def _add_speaker(article: _Article, claim: str, speaker: dict[str, Any], frame: _Frame) -> None:
    if claim in article.speakers:
        raise MarkupError(f"{frame.opener} at {frame.at}: claim {claim} has two speakers")
    article.speakers[claim] = speaker


def _alias_groups(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[int]] = {}
    for index, mention in enumerate(mentions):
        groups.setdefault(mention["entity"], []).append(index)
    return [{"entity": entity, "mentions": indexes} for entity, indexes in groups.items()]


def _claims(article: _Article, name: str) -> list[dict[str, Any]]:
    text = "".join(article.text_parts)
    claims = []
    for claim_id, claim in sorted(article.claims.items(), key=lambda kv: kv[1]["start"]):
        speaker = article.speakers.get(claim_id)
        if speaker is None:
            raise MarkupError(f"{name}: claim {claim_id} has no speaker mark")
        kind = speaker["type"]
        if kind == "role" and text[speaker["start"] : speaker["end"]].lower() in PRONOUNS:
            kind = "pronoun"
        claims.append(
            {
                "id": claim_id,
                "start": claim["start"],
                "end": claim["end"],
                "text": text[claim["start"] : claim["end"]],
                "speaker": speaker["entity"],
                "speaker_start": speaker["start"],
                "speaker_end": speaker["end"],
                "speaker_text": text[speaker["start"] : speaker["end"]],
                "speaker_type": kind if speaker["entity"] else "unnamed",
                "reporter": claim["reporter"],
            }
        )
    for claim in claims:
        # The innermost other claim holding this one: "X said [Y told Z that [...]]".
        holders = [
            c
            for c in claims
            if c is not claim and c["start"] <= claim["start"] and claim["end"] <= c["end"]
        ]
        inner = min(holders, key=lambda c: c["end"] - c["start"], default=None)
        claim["outer"] = inner["id"] if inner else None
    unused = set(article.speakers) - set(article.claims)
    if unused:
        raise MarkupError(f"{name}: speaker marks for unknown claims {sorted(unused)}")
    return claims


def build() -> list[dict[str, Any]]:
    """Every source file, in name order, as JSON records with text offsets."""
    records = []
    for path in sorted(SOURCE_DIR.glob("*.txt")):
        record = parse_source(path.read_text(encoding="utf-8"), path.name)
        text = record["text"]
        for mention in record["mentions"]:
            mention["text"] = text[mention["start"] : mention["end"]]
        records.append({"id": path.stem, "source": f"src/{path.name}", **record})
    return records


def render(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)


def main() -> int:
    try:
        records = build()
    except MarkupError as error:
        print(error, file=sys.stderr)
        return 1
    JSONL_PATH.write_text(render(records), encoding="utf-8")
    mentions = sum(len(r["mentions"]) for r in records)
    claims = sum(len(r["claims"]) for r in records)
    print(f"{JSONL_PATH}: {len(records)} articles, {mentions} mentions, {claims} claims")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
