"""The file formats of a team's annotations: one module per format, each reading and writing it.

Ids do not travel between teams, so each exported annotation names its article by URL and by the
SHA-256 of the article's text (and its title), its tags by slug, its entity by name and Wikidata
id, and the source annotation it is attributed to by that annotation's id in the same file.

- ``csv.py`` and ``jsonl.py``: one annotation per row or line, the flat record of
  ``records.py``;
- ``jsonld.py``: the W3C Web Annotation AnnotationCollection of the whole team (and the API's
  JSON-LD); ``jsonld_fields.py`` reads one W3C annotation back;
- ``spacy.py``: training data for spaCy span categorisation, one line per article;
- ``files.py``: what every import refuses before it reads a format (too large, UTF-16,
  binary, not UTF-8).

A format module converts between annotation data and bytes or documents; it never writes to the
database. The export, a read, is ``services/exports.py``; the import, a write,
``services/annotation_imports.py``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

FORMATS = ("csv", "jsonl", "jsonld", "spacy")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
    "jsonld": 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"',
    "spacy": "application/x-ndjson; charset=utf-8",
}
EXTENSIONS = {"csv": "csv", "jsonl": "jsonl", "jsonld": "jsonld", "spacy": "spacy.jsonl"}
# What an import error's "row" counts in each format.
ROW_NAMES = {"csv": "row", "jsonl": "line", "jsonld": "item", "spacy": "line"}


def check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValidationError({"format": f"{str(fmt)[:40]!r} is not one of {', '.join(FORMATS)}."})
    return fmt
