"""spaCy training data: the span export (``formats/spacy.py``, format ``spacy``) as a DocBin.

Each record ``{"text", "spans": [{"start", "end", "label"}], "meta"}`` becomes one Doc made by a
blank pipeline's tokenizer, its spans in ``doc.spans["sc"]``: the key spaCy's span categoriser
reads by default, and a SpanGroup may hold overlapping spans. The record's ``ents`` (accepted
entity mentions) become ``doc.ents`` for NER training; as those may not overlap, the longest of
overlapping entities is kept (``spacy.util.filter_spans``). A span must start and end on token
boundaries (``char_span(..., alignment_mode="strict")``): one that does not is returned as a
``MisalignedSpan`` for the caller to report, never silently dropped or stretched to the tokens
around it. The Doc is kept, with its aligned spans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.tokens import DocBin, Span
from spacy.util import filter_spans

SPANS_KEY = "sc"


@dataclass(frozen=True)
class MisalignedSpan:
    record: int  # the record's line in the export, from 1
    article: str  # its URL, else its title
    start: int
    end: int
    label: str
    text: str
    kind: str = "span"  # or "entity"

    def __str__(self) -> str:
        return (
            f"line {self.record} ({self.article}): {self.kind} {self.start}-{self.end} "
            f"{self.label!r} "
            f"({self.text[:60]!r}) does not start and end on token boundaries"
        )


def docbin_from_records(
    records: Iterable[dict[str, Any]], *, lang: str = "en"
) -> tuple[DocBin, list[MisalignedSpan]]:
    """The records as a DocBin (``.to_bytes()`` or ``.to_disk(path)`` it), and the spans that
    do not align to ``lang``'s tokens."""
    nlp = spacy.blank(lang)
    docbin = DocBin(store_user_data=False)
    misaligned: list[MisalignedSpan] = []
    for number, record in enumerate(records, start=1):
        text = record["text"]
        doc = nlp.make_doc(text)
        meta = record.get("meta") or {}
        found: dict[str, list[Span]] = {"span": [], "entity": []}
        for kind, key in (("span", "spans"), ("entity", "ents")):
            for span in record.get(key) or []:
                start, end, label = span["start"], span["end"], span["label"]
                aligned = doc.char_span(start, end, label=label, alignment_mode="strict")
                if aligned is None:
                    misaligned.append(
                        MisalignedSpan(
                            record=number,
                            article=meta.get("article_url") or meta.get("title") or "",
                            start=start,
                            end=end,
                            label=label,
                            text=text[start:end],
                            kind=kind,
                        )
                    )
                else:
                    found[kind].append(aligned)
        doc.spans[SPANS_KEY] = found["span"]
        doc.ents = filter_spans(found["entity"])
        docbin.add(doc)
    return docbin, misaligned


def records_from_docbin(data: bytes, *, lang: str = "en") -> list[dict[str, Any]]:
    """A DocBin's docs back as ``{"text", "spans", "ents"}`` records (to check what was
    written)."""
    docs = DocBin().from_bytes(data).get_docs(spacy.blank(lang).vocab)
    return [
        {
            "text": doc.text,
            "spans": [
                {"start": s.start_char, "end": s.end_char, "label": s.label_}
                for s in doc.spans.get(SPANS_KEY, [])
            ],
            "ents": [
                {"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents
            ],
        }
        for doc in docs
    ]
