"""Reading a JSON-LD file an item at a time (formats/jsonld.read_jsonld on formats/jsonstream):
the same items as reading it whole, errors at the same line and column, memory flat."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from annotations.formats.files import raw_chunks
from annotations.formats.jsonld import read_jsonld

ITEM = {"type": "Annotation", "id": "urn:a:1", "body": [{"purpose": "tagging", "value": "x"}]}
ITEM_2 = {"type": "Annotation", "id": "urn:a:2", "target": {"source": "s", "selector": [1, 2]}}


def items(data: bytes, size: int = 65536) -> list[Any]:
    return list(read_jsonld(raw_chunks(data, size=size)))


def collection(items: list[Any], **first: Any) -> dict[str, Any]:
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "https://nn.example/api/teams/1/export/?format=jsonld",
        "type": "AnnotationCollection",
        "label": "Desk \u201cA\u201d \U0001f44d",
        "total": len(items),
        "first": {"id": "p1", "type": "AnnotationPage", "startIndex": 0, "items": items, **first},
    }


DOCUMENTS = [
    (collection([ITEM, ITEM_2, "junk", 5, [1, {"items": [2]}]]), None),
    (collection([]), None),
    ({"type": "AnnotationCollection", "label": "no page", "total": 0}, None),
    ({"type": "AnnotationPage", "items": [ITEM_2, ITEM]}, None),
    ([ITEM, ITEM_2, None], None),
    (ITEM, [ITEM]),
    # The type after the items: read as they come, checked at the end.
    ({"first": {"items": [ITEM], "type": "AnnotationPage"}, "type": "AnnotationCollection"}, None),
    ({"items": [ITEM_2], "id": "p", "type": ["AnnotationPage"]}, None),
]


@pytest.mark.parametrize(("document", "expected"), DOCUMENTS)
@pytest.mark.parametrize("size", [1, 3, 17, 65536])
def test_the_items_are_those_of_the_whole_document(document, expected, size):
    if expected is None:
        if isinstance(document, list):
            expected = document
        elif "first" in document:
            expected = document["first"]["items"]
        else:
            expected = document.get("items", [])
    for indent in (None, 2):
        data = json.dumps(document, ensure_ascii=False, indent=indent).encode()
        assert items(data, size) == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"type": "AnnotationCollection", "first": "p1"}, "must be embedded"),
        ({"type": "AnnotationCollection", "first": {"items": [], "next": "p2"}}, "one page"),
        ({"type": "AnnotationCollection", "first": {"items": "x"}}, "list of items"),
        ({"type": "AnnotationPage", "items": {"a": 1}}, "list of items"),
        ({"type": "AnnotationPage"}, "list of items"),
        ({"type": "Thing", "items": [ITEM]}, "its type says which"),
        ({"items": [ITEM]}, "its type says which"),
        ({"first": {"items": [ITEM]}, "type": "AnnotationPage"}, "its type says which"),
        ("an annotation", "Give a W3C AnnotationCollection"),
    ],
)
def test_documents_that_are_not_w3c_collections_are_refused_naming_file(document, message):
    for size in (2, 65536):
        with pytest.raises(ValidationError) as excinfo:
            items(json.dumps(document).encode(), size)
        assert list(excinfo.value.message_dict) == ["file"]
        assert message in excinfo.value.message_dict["file"][0]


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "AnnotationPage", "items": [1 2]}',
        '{"type": "AnnotationPage",\n "items": [\n  {"a" 1}]}',
        '{"type": "AnnotationPage", "items": [\n\n  tru]}',
        '{"type": "AnnotationPage", "items": ["\\u12"]}',
        '{"type": "AnnotationPage", "items": ["abc',
        '{"type": "AnnotationPage", "items": [{"a": 1}',
        '{"type" "AnnotationPage"}',
        "{1: 2}",
        "[1] x",
        "",
        "  \n ",
        '[{"a": "b"}, {"a": "\tc"}]',
    ],
)
def test_malformed_json_is_placed_as_the_standard_parser_places_it(text):
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    where = f"at line {expected.value.lineno}, column {expected.value.colno}."
    for size in (1, 5, 65536):
        with pytest.raises(ValidationError) as excinfo:
            items(text.encode(), size)
        message = excinfo.value.message_dict["file"][0]
        assert message.startswith("Malformed JSON: ")
        assert message.endswith(where), (size, message)


def test_depth_and_digits_are_bounded_as_in_json_loads():
    with pytest.raises(ValidationError, match="nested too deeply"):
        items(b'{"type": "AnnotationPage", "items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}")
    with pytest.raises(ValidationError, match="4300 digits"):
        items(b'{"type": "AnnotationPage", "items": [' + b"7" * 5000 + b"]}", size=100)


def test_the_first_item_comes_before_the_file_is_read_whole():
    data = json.dumps(collection([ITEM] * 5000)).encode()
    read = []

    def chunks():
        for chunk in raw_chunks(data, size=4096):
            read.append(len(chunk))
            yield chunk

    reader = read_jsonld(chunks())
    assert next(reader) == ITEM
    assert sum(read) < 10_000 < len(data)
    assert sum(1 for _ in reader) == 4999


def test_a_page_of_many_items_is_read_in_flat_memory():
    data = b'{"type": "AnnotationPage", "items": [' + b",".join([b'{"id": 1}'] * 400_000) + b"]}"
    count = 0
    tracemalloc.start()
    try:
        for _ in read_jsonld(raw_chunks(data)):
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 400_000
    assert peak < len(data) // 10  # 4 MB of items, read in a few hundred kB
