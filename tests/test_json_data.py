"""The json_data filter writes exactly what Django's json_script writes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils.html import json_script

from annotations.templatetags.jsondata import json_data


@pytest.mark.parametrize(
    "value",
    [
        {"comment_html": "<p>a &amp; b</p>", "x": "</script><script>alert(1)</script>"},
        [{"text": "Kirby said «8,000» — 😀 مرحبا", "at": datetime(2024, 11, 1, tzinfo=UTC)}],
        "plain",
        None,
    ],
)
def test_same_output_as_json_script(value):
    assert str(json_data(value, "reader-data")) == str(json_script(value, "reader-data"))


def test_the_script_cannot_be_closed_from_inside():
    out = str(json_data({"x": "</script><img src=x onerror=alert(1)>"}, "d"))
    assert out.count("</script>") == 1
    assert "<img" not in out
