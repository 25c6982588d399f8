"""The loopback news site and an archive storage in a temporary folder."""

from __future__ import annotations

import pytest

from tests.feedserver import FeedSite, serve


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "archive")},
        },
    }
    return tmp_path / "archive"


@pytest.fixture
def site(settings, archive_dir):
    settings.URLFETCH_ALLOW_LOOPBACK = True  # the explicit test setting production refuses
    with serve(FeedSite()) as running:
        yield running
