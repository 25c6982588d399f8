"""The project's JSON Schema of W3C Web Annotation (tests/data/w3c-annotation.schema.json).

``problems(doc)`` lists where a document breaks the schema, as JSON paths ("$.target.selector[1]
.start"): the innermost errors, so that a failure under ``oneOf`` still names the key at fault.
An empty list means the document is valid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "w3c-annotation.schema.json"


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    root = schema()
    if definition is None:
        return Draft202012Validator(root)
    # One definition of the schema (an annotation, a collection), with the others to refer to.
    return Draft202012Validator({"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]})


def _leaves(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.context:
            yield from _leaves(error.context)
        else:
            yield error


def problems(doc: Any, *, definition: str | None = None) -> list[str]:
    """Each innermost schema error as "<json path>: <message>"; [] when ``doc`` is valid.

    ``definition`` checks against one definition ("annotationDocument", "collectionDocument")
    instead of either.
    """
    errors = list(_validator(definition).iter_errors(doc))
    return sorted(f"{error.json_path}: {error.message}" for error in _leaves(errors))


def paths(doc: Any, *, definition: str | None = None) -> set[str]:
    """The JSON paths of ``problems``."""
    return {problem.split(": ", 1)[0] for problem in problems(doc, definition=definition)}
