"""Outlets named by the domain of an imported URL (annotations/services/outlets.py)."""

from __future__ import annotations

import pytest

from annotations.models import Outlet
from annotations.nlp.outlets import known_outlet
from annotations.services.outlets import outlet_for_url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "name", "domain"),
    [
        ("https://www.reuters.com/world/x", "Reuters", "reuters.com"),
        ("https://apnews.com/article/x", "Associated Press", "apnews.com"),
        ("https://www.bbc.co.uk/news/x", "BBC", "bbc.com"),
        ("https://english.aawsat.com/x", "Asharq Al-Awsat", "english.aawsat.com"),
        ("https://www.dawn.com/news/1", "Dawn", "dawn.com"),  # known by domain only
        ("https://civil.ge/archives/1", "Civil.ge", "civil.ge"),
    ],
)
def test_a_listed_domain_names_its_outlet(url: str, name: str, domain: str) -> None:
    outlet = outlet_for_url(url)
    assert outlet is not None
    assert (outlet.name, outlet.domain) == (name, domain)
    assert outlet_for_url(url) == outlet  # found again, not made twice


def test_an_unlisted_domain_makes_an_outlet_of_its_own() -> None:
    outlet = outlet_for_url("https://www.local-paper.example/a", name="Local Paper")
    assert outlet is not None
    assert (outlet.name, outlet.domain) == ("Local Paper", "local-paper.example")
    assert outlet_for_url("") is None


def test_an_outlet_made_before_with_its_domain_as_name_takes_the_list_name() -> None:
    Outlet.objects.create(name="kyivindependent.com", domain="kyivindependent.com")
    outlet = outlet_for_url("https://kyivindependent.com/story")
    assert outlet is not None
    assert outlet.name == "Kyiv Independent"
    assert Outlet.objects.filter(domain="kyivindependent.com").count() == 1


def test_known_outlet_matches_whole_labels_only() -> None:
    found = known_outlet("edition.cnn.com")
    assert found is not None
    assert found.name == "CNN"
    assert known_outlet("notcnn.com") is None
    assert known_outlet("com") is None
    assert known_outlet("https://user@www.ft.com:443/content/x") is not None
