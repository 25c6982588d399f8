"""Numbers from the client are bounded before they are read: ids and versions too long for a
database key get a 400 naming the parameter, never a 500."""

from __future__ import annotations

import pytest

from annotations.services.annotations import annotation_create
from tests.api.conftest import client_for


@pytest.mark.parametrize("after", ["99999999999999999999", "9" * 5000, "-5", "x"])
def test_polled_events_refuse_an_after_out_of_range(article, alice, after):
    response = client_for(alice).get(f"/api/articles/{article.pk}/events/", {"after": after})
    assert response.status_code == 400
    assert "after" in response.json()["errors"]


def test_polled_events_take_the_largest_key(article, alice):
    response = client_for(alice).get(
        f"/api/articles/{article.pk}/events/", {"after": str(2**63 - 1)}
    )
    assert response.status_code == 200
    assert response.json()["events"] == []


def test_an_if_match_of_thousands_of_digits_is_a_400_naming_it(article, alice):
    claim = annotation_create(article=article, author=alice, start=0, end=5)
    response = client_for(alice).patch(
        f"/api/annotations/{claim.pk}/",
        {"comment": "x"},
        format="json",
        HTTP_IF_MATCH='"' + "9" * 5000 + '"',
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]
    claim.refresh_from_db()
    assert claim.comment == ""


def test_a_version_field_beyond_a_key_is_a_400(article, alice):
    claim = annotation_create(article=article, author=alice, start=0, end=5)
    response = client_for(alice).patch(
        f"/api/annotations/{claim.pk}/", {"comment": "x", "version": 10**30}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()["errors"]
