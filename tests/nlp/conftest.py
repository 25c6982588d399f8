"""Fixtures for the NLP tests: no database; the model is loaded once (get_nlp caches it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotations.nlp import ArticleAnalysis, analyze, get_nlp
from annotations.nlp.gazetteer import DATA_PATH, PATH_SETTING
from tests.nlp.helpers import FIXTURE_GAZETTEER, SEED_TEXT


@pytest.fixture(scope="session", autouse=True)
def _gazetteer_data() -> Iterator[None]:
    # The shipped gazetteer is written in parallel with this code; until it exists the small
    # fixture (same format) stands in for it.
    if DATA_PATH.exists():
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PATH_SETTING, str(FIXTURE_GAZETTEER))
        yield


@pytest.fixture(scope="module")
def nlp() -> object:
    return get_nlp()


@pytest.fixture(scope="module")
def seed(nlp: object) -> ArticleAnalysis:
    return analyze(SEED_TEXT)
