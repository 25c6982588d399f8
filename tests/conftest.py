"""Personas (as in healthchecks): alice is an analyst and bob a reviewer in team A;
carol is an analyst in team B and must never see team A's work."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Tag
from tests.factories import SEED_ARTICLE, MembershipFactory, TeamFactory, UserFactory, make_article


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):  # type: ignore[no-untyped-def]
    # Background jobs run inline in tests.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    # Hashing with the production hasher dominates the suite's time and tests nothing of ours.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_a(db):  # type: ignore[no-untyped-def]
    return TeamFactory(name="Desk A", slug="desk-a")


@pytest.fixture
def team_b(db):  # type: ignore[no-untyped-def]
    return TeamFactory(name="Desk B", slug="desk-b")


@pytest.fixture
def alice(team_a):  # type: ignore[no-untyped-def]
    user = UserFactory(username="alice")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.ANALYST)
    return user


@pytest.fixture
def bob(team_a):  # type: ignore[no-untyped-def]
    user = UserFactory(username="bob")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.REVIEWER)
    return user


@pytest.fixture
def carol(team_b):  # type: ignore[no-untyped-def]
    user = UserFactory(username="carol")
    MembershipFactory(team=team_b, user=user, role=Membership.Role.ANALYST)
    return user


@pytest.fixture
def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture
def article(team_a, alice, seed_text):  # type: ignore[no-untyped-def]
    return make_article(
        team=team_a, text=seed_text, title="North Korean troops in Kursk", imported_by=alice
    )


@pytest.fixture
def tags_a(team_a):  # type: ignore[no-untyped-def]
    return {tag.slug: tag for tag in Tag.objects.filter(team=team_a)}


@pytest.fixture
def asgi_server(transactional_db):  # type: ignore[no-untyped-def]
    """The app served as in production (ASGI, uvicorn) from a thread of this process, on the
    test database; ``.url`` as pytest-django's ``live_server``."""
    from tests.asgi_server import AsgiServer

    server = AsgiServer().start()
    yield server
    server.stop()
