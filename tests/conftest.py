"""Personas (as in healthchecks): alice is an analyst and bob a reviewer in team A;
carol is an analyst in team B and must never see team A's work. Some tests need more people:
dave, a second analyst of team A; olga, its owner; victor, its viewer; and rita, a reviewer in
team B."""

from __future__ import annotations

import pytest

from annotations.models import Membership, Tag
from tests.factories import SEED_ARTICLE, MembershipFactory, TeamFactory, UserFactory, make_article


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background jobs run inline in tests.
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.TASK_QUEUES,
        }
    }


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing with the production hasher dominates the suite's time and tests nothing of ours.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Desk A", slug="desk-a")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Desk B", slug="desk-b")


def persona(team, username: str, role: str):
    user = UserFactory(username=username)
    MembershipFactory(team=team, user=user, role=role)
    return user


@pytest.fixture
def alice(team_a):
    return persona(team_a, "alice", Membership.Role.ANALYST)


@pytest.fixture
def bob(team_a):
    return persona(team_a, "bob", Membership.Role.REVIEWER)


@pytest.fixture
def carol(team_b):
    return persona(team_b, "carol", Membership.Role.ANALYST)


@pytest.fixture
def dave(team_a):
    return persona(team_a, "dave", Membership.Role.ANALYST)


@pytest.fixture
def olga(team_a):
    return persona(team_a, "olga", Membership.Role.OWNER)


@pytest.fixture
def victor(team_a):
    return persona(team_a, "victor", Membership.Role.VIEWER)


@pytest.fixture
def rita(team_b):
    return persona(team_b, "rita", Membership.Role.REVIEWER)


@pytest.fixture
def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture
def article(team_a, alice, seed_text):
    return make_article(
        team=team_a, text=seed_text, title="North Korean troops in Kursk", imported_by=alice
    )


@pytest.fixture
def tags_a(team_a):
    return {tag.slug: tag for tag in Tag.objects.filter(team=team_a)}


@pytest.fixture
def asgi_server(transactional_db):
    """The app served as in production (ASGI, uvicorn) from a thread of this process, on the
    test database; ``.url`` as pytest-django's ``live_server``."""
    from tests.asgi_server import AsgiServer

    server = AsgiServer().start()
    yield server
    server.stop()
