#!/usr/bin/env python
"""The news documents of the GUM corpus as a set for ner_quality.py (development only).

GUM (Georgetown University Multilayer corpus, https://gucorpling.org/gum/) annotates every
entity mention of its documents with a type, coreference and, for named ones, a Wikipedia
identity. Its news texts come from Wikinews (CC BY 2.5); the annotations of the UD release are
CC BY-NC-SA 4.0, so nothing of it is committed here: clone it and convert it locally.

    git clone --depth 1 https://github.com/UniversalDependencies/UD_English-GUM /tmp/gum
    .venv/bin/python bench/gum_news.py /tmp/gum/not-to-release/sources/GUM_news_*.conllu \
        --out /tmp/gum-news.jsonl
    .venv/bin/python bench/ner_quality.py --set /tmp/gum-news.jsonl --untyped

GUM's entity layer is not NER: spans are whole noun phrases ("Yonhap news agency") and types
follow the role (a country acting is an "organization"). So only *named* mentions are kept: an
entity with a Wikipedia identity whose span, without a leading "the" and a trailing possessive,
is all proper nouns ("North Korea", "Kim Jong-un"). Such mentions are not all the names of a
text, so on this set recall is meaningful and precision is not; kinds are approximate (person
-> PERSON, organization -> ORG, place -> GPE), hence ``--untyped``. Alias groups and
cross-article ids come from the Wikipedia identities.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

KIND = {"person": "PERSON", "organization": "ORG", "place": "GPE"}
_OPEN_OR_CLOSE = re.compile(r"\((\d+)-([^()]*(?:\([^()]*\)[^()]*)*)|(\d+)\)")


def convert(path: Path) -> dict[str, Any]:
    """One GUM .conllu document -> a record like tests/data/ner_eval/articles.jsonl's."""
    text = ""
    tokens: list[dict[str, Any]] = []  # start, end, upos, form
    opened: dict[str, list[tuple[int, str]]] = {}
    spans: list[tuple[int, int, str, str]] = []  # first token, last token, type, identity
    doc_id, pending_range, first = path.stem, None, True
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc id = "):
            doc_id = line.split("=", 1)[1].strip()
        if line.startswith("# newpar") and not line.startswith("# newpar_"):
            text = text.rstrip(" ") + ("\n" if text else "")
        if line.startswith("# text = "):
            if not first and text and not text.endswith(("\n", " ")):
                text += " "
            first = False
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if "-" in cols[0]:  # "9-10 Korea's": the surface form of two syntactic words
            high = int(cols[0].split("-")[1])
            pending_range = (high, len(text))
            text += cols[1] + ("" if "SpaceAfter=No" in cols[9] else " ")
            continue
        if "." in cols[0]:
            continue  # empty nodes of enhanced dependencies
        index = len(tokens)
        if pending_range is not None:
            # A word of "Korea's": its own offsets when the forms spell the surface form.
            high, cursor = pending_range
            whole_end = len(text.rstrip(" "))
            if text.startswith(cols[1], cursor) and cursor + len(cols[1]) <= whole_end:
                start, end = cursor, cursor + len(cols[1])
            else:
                start, end = cursor, whole_end
            tokens.append({"start": start, "end": end, "upos": cols[3], "form": cols[1]})
            pending_range = None if int(cols[0]) == high else (high, end)
        else:
            start = len(text)
            text += cols[1]
            tokens.append({"start": start, "end": len(text), "upos": cols[3], "form": cols[1]})
            if "SpaceAfter=No" not in cols[9]:
                text += " "
        entity = next((f[7:] for f in cols[9].split("|") if f.startswith("Entity=")), "")
        for match in _OPEN_OR_CLOSE.finditer(entity):
            if match.group(1):
                group, fields = match.group(1), match.group(2)
                opened.setdefault(group, []).append((index, fields))
                closes_here = entity[match.end() : match.end() + 1] == ")"
            else:
                group, closes_here = match.group(3), True
            if closes_here and opened.get(group):
                begin, fields = opened[group].pop()
                parts = fields.split("-")
                identity = unquote("-".join(parts[6:])) if len(parts) > 6 else ""
                spans.append((begin, index, parts[0], identity))
    mentions = _named(text, tokens, spans)
    return {
        "id": doc_id,
        "region": "gum-news",
        "topic": "",
        "text": text.rstrip(),
        "mentions": mentions,
        "alias_groups": _groups(mentions),
        "claims": [],
    }


def _named(
    text: str, tokens: list[dict[str, Any]], spans: list[tuple[int, int, str, str]]
) -> list[dict[str, Any]]:
    found = []
    for begin, last, etype, identity in spans:
        if not identity or etype not in KIND:
            continue
        while begin <= last and tokens[begin]["upos"] == "DET":
            begin += 1
        while last >= begin and (tokens[last]["upos"] in ("PART", "PUNCT")):
            last -= 1
        inside = tokens[begin : last + 1]
        if not inside or not all(t["upos"] in ("PROPN", "PUNCT") for t in inside):
            continue
        if inside[0]["upos"] != "PROPN":
            continue
        start, end = inside[0]["start"], inside[-1]["end"]
        found.append(
            {
                "start": start,
                "end": end,
                "text": text[start:end],
                "kind": KIND[etype],
                "entity": f"wp:{identity}",
            }
        )
    found.sort(key=lambda m: (m["start"], -m["end"]))
    outermost: list[dict[str, Any]] = []
    for mention in found:
        if outermost and mention["start"] < outermost[-1]["end"]:
            continue  # nested in (or overlapping) a longer name already kept
        outermost.append(mention)
    return outermost


def _groups(mentions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[str, list[int]] = {}
    for index, mention in enumerate(mentions):
        groups.setdefault(mention["entity"], []).append(index)
    return [{"entity": entity, "mentions": indexes} for entity, indexes in groups.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="GUM_news_*.conllu files")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines to write")
    args = parser.parse_args()
    records = [convert(path) for path in sorted(args.files)]
    with args.out.open("w", encoding="utf-8") as out:
        for record in records:
            for mention in record["mentions"]:
                assert record["text"][mention["start"] : mention["end"]] == mention["text"]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    mentions = sum(len(r["mentions"]) for r in records)
    print(f"{args.out}: {len(records)} documents, {mentions} named mentions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
