"""A bounded schemathesis pass over every operation of the API schema.

The schema is the one the app serves at /api/schema/, loaded in-process through WSGI, and every
request goes to the app the same way: no server, no network. Each operation gets MAX_EXAMPLES
generated requests (valid and invalid ones: ``generation.mode`` is "all"), sent by a team owner
with a token (one in sixteen without: a 401), against a database seeded with a realistic team.
Every response must be

- no 5xx (``not_a_server_error``),
- a status code the schema documents for the operation (``status_code_conformance``),
- of a documented content type (``content_type_conformance``),
- a body that matches the documented schema (``response_schema_conformance``).

Generation is derandomized with a fixed seed, so CI runs the same requests every time.

Ids: random integers almost never name a real object, so a request would nearly always end in a
404 or a "does not exist" 400. Three requests in four therefore get their path ids replaced with
the ids of seeded objects, and half get the references in their body (team, article, annotation,
tags, entity ...) pointed at seeded objects, a span that exists, and a valid W3C annotation for
the JSON-LD import. The choice is a hash of the generated request, so that Hypothesis sees the
same request for the same input while it shrinks a failure.

Isolation: pytest-django wraps the test (one per operation) in a transaction, and the seed is
made once per operation; each generated request then runs inside a savepoint that is rolled back,
so every request starts from the same seeded state. Background jobs run only on commit, which a
test transaction never does: import-url and analyze enqueue a job and fetch or analyse nothing.

Nothing in the schema is excluded: every operation works in-process. /api/auth/token/ is
throttled, but the throttle's counter lives in the database cache, which is rolled back with
each request. (The live stream, /api/articles/{id}/stream/, is a plain Django view outside the
schema, so it is not part of the pass; it could not be: its own LISTEN connection to PostgreSQL
never sees the test's uncommitted transaction. tests/api/test_live.py covers it.)

Reproduce a failure with the ``curl`` line schemathesis prints (token filtered), or run this file
alone: ``pytest tests/api/test_schemathesis.py -k "POST and annotations"``.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings

from annotations.models import Annotation, ApiToken, Entity, Job, Membership, Mention
from annotations.services import annotations as annotation_services
from annotations.services.articles import article_update_text
from annotations.services.jobs import job_enqueue
from annotations.services.tokens import token_digest
from tests.factories import MembershipFactory, UserFactory

MAX_EXAMPLES = 20

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20241104,
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,
            # No example database: the same requests on every machine, and no files written.
            "database": "none",
        },
        # The coverage phase adds hundreds of boundary-value requests per operation without
        # a bound; the pass stays bounded by max-examples (plus the schema's own examples).
        "phases": {"coverage": {"enabled": False}},
    }
)

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), config=CONFIG
)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]

OWNER_TOKEN = "schemathesis0owner0token0000000000000000"  # 40 characters, like DRF's keys
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def _in_process_requests() -> Iterator[None]:
    """Like Django's test client: the WSGI handler must not close the test's connection.

    Django closes "old" connections when a request starts and ends; inside the test's
    transaction that would break the connection (as django.test.Client knows, too).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(_in_process_requests, team_a, alice, bob, carol, article, tags_a) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Team A with every role (and carol in team B), the seed article in two revisions,
    entities with mentions, annotations in every state (a claim with changes requested, its
    source, a private note, a pending model suggestion, a submitted one, one in the trash), a
    reply, a review and a queued job. Returns candidate ids per collection of the API."""
    olga = UserFactory(username="olga")
    MembershipFactory(team=team_a, user=olga, role=Membership.Role.OWNER)
    victor = UserFactory(username="victor")
    MembershipFactory(team=team_a, user=victor, role=Membership.Role.VIEWER)
    ApiToken.objects.create(
        user=olga, name="schemathesis", digest=token_digest(OWNER_TOKEN), hint=OWNER_TOKEN[:8]
    )

    article = article_update_text(
        article=article, text=article.text + "\nUpdated.", actor=alice, note="A second revision"
    )
    text = article.text
    kirby_at = text.index("John Kirby")
    port_at = text.index("Vladivostok")
    kirby = Entity.objects.create(
        team=team_a, name="John Kirby", kind=Entity.Kind.PERSON, wikidata_id="Q6238403"
    )
    port = Entity.objects.create(team=team_a, name="Vladivostok", kind=Entity.Kind.GPE)
    kirby_mention = Mention.objects.create(
        article=article,
        entity=kirby,
        start=kirby_at,
        end=kirby_at + 10,
        text="John Kirby",
        label="PERSON",
        origin=Mention.Origin.MODEL,
        confidence=0.9,
    )
    port_mention = Mention.objects.create(
        article=article,
        entity=port,
        start=port_at,
        end=port_at + 11,
        text="Vladivostok",
        label="GPE",
        origin=Mention.Origin.ANALYST,
    )
    source = annotation_services.annotation_create(
        article=article,
        author=olga,
        start=kirby_at,
        end=kirby_at + 10,
        tags=[tags_a["source"]],
        attributed_to_entity=kirby,
    )
    claim = annotation_services.annotation_create(
        article=article,
        author=alice,
        start=0,
        end=text.index("."),
        tags=[tags_a["claim"]],
        comment="Check the troop numbers.",
        attributed_to=source,
    )
    note = annotation_services.annotation_create(
        article=article,
        author=olga,
        start=port_at,
        end=port_at + 11,
        visibility=Annotation.Visibility.PRIVATE,
    )
    suggestion = annotation_services.annotation_create(
        article=article,
        author=olga,
        start=kirby_at,
        end=kirby_at + 4,
        origin=Annotation.Origin.MODEL,
        suggestion_state=Annotation.SuggestionState.PENDING,
    )
    claim = annotation_services.annotation_submit(annotation=claim, actor=alice)
    submitted = annotation_services.annotation_create(
        article=article, author=alice, start=port_at - 8, end=port_at + 11, comment="Which port?"
    )
    submitted = annotation_services.annotation_submit(annotation=submitted, actor=alice)
    trashed = annotation_services.annotation_create(
        article=article, author=olga, start=0, end=5, comment="A mistake."
    )
    annotation_services.annotation_delete(annotation=trashed, actor=olga)
    reply = annotation_services.reply_create(annotation=claim, author=bob, text="Which numbers?")
    review = annotation_services.review_create(
        annotation=claim, reviewer=bob, verdict="request_changes", note="Cite the source."
    )
    with transaction.atomic():
        job = job_enqueue(
            team=team_a,
            kind=Job.Kind.ANALYZE,
            params={"article_ids": [article.pk]},
            created_by=olga,
            total=1,
        )
    memberships = Membership.objects.filter(team=team_a).order_by("role")
    collections = {  # the first segment of an API path -> ids of objects in it
        "teams": [team_a.pk],
        "memberships": list(memberships.values_list("pk", flat=True)),
        "users": [alice.pk, olga.pk],
        "articles": [article.pk],
        "entities": [kirby.pk, port.pk],
        "mentions": [kirby_mention.pk, port_mention.pk],
        "tags": [tags_a["claim"].pk, tags_a["context"].pk],
        # A claim with changes requested, its source, a private note, a pending model
        # suggestion, a submitted annotation nobody reviewed yet, one in the trash.
        "annotations": [claim.pk, source.pk, note.pk, suggestion.pk, submitted.pk, trashed.pk],
        "replies": [reply.pk],
        "reviews": [review.pk],
        "jobs": [job.pk],
    }
    return {
        "ids": collections,
        "revisions": [1, 2],
        "reviewable": [submitted.pk, claim.pk],
        "kirby_at": kirby_at,
        "text": text,
    }


def _pick(options: list[Any], h: int) -> Any:
    return options[h % len(options)]


def _use_seeded_path_ids(case: Any, seed: dict[str, Any], h: int) -> None:
    """Point the path's ids at seeded objects (collection name -> candidate ids)."""
    parts = case.path.strip("/").split("/")  # e.g. ["api", "articles", "{id}", "revisions", ...]
    if "id" in case.path_parameters and len(parts) > 1 and parts[1] in seed["ids"]:
        case.path_parameters["id"] = _pick(seed["ids"][parts[1]], h)
    if "number" in case.path_parameters:
        case.path_parameters["number"] = _pick(seed["revisions"], h >> 4)


def _use_seeded_body_refs(case: Any, seed: dict[str, Any], h: int) -> None:
    """Point the references in a JSON or form body at seeded objects, and give it a valid span."""
    body = case.body
    if not isinstance(body, dict):
        return
    ids = seed["ids"]
    refs = {
        "team": ids["teams"][0],
        "article": ids["articles"][0],
        "annotation": _pick(seed["reviewable"], h),  # replies, reviews
        "attributed_to": ids["annotations"][1],
        "entity": _pick(ids["entities"], h),
        "attributed_to_entity": ids["entities"][0],
        "parent": ids["replies"][0],
        "tags": [ids["tags"][0]],
        "others": [ids["entities"][1]],
        "mentions": [ids["mentions"][0]],
        "username": _pick(["victor", "carol", "olga"], h),
        "url": "https://example.org/world/kursk",  # a public address, never fetched here
        "version": 1,  # restore-version
    }
    for key, value in refs.items():
        if key in body:
            body[key] = value
    if "start" in body and "end" in body:
        start = seed["kirby_at"] + h % 5
        body["start"], body["end"] = start, start + 6
        if "exact" in body:
            body["exact"] = seed["text"][start : start + 6]
    if case.path == "/api/auth/token/":
        body.update(username="olga", password=PASSWORD)
    if case.path.endswith("/annotations.jsonld"):
        start = seed["kirby_at"]
        article_iri = f"http://localhost/api/articles/{case.path_parameters.get('id')}/"
        case.body = {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "Annotation",
            "bodyValue": "Who briefed him?",
            "target": {
                "source": article_iri,
                "selector": [
                    {"type": "TextPositionSelector", "start": start, "end": start + 10},
                    {"type": "TextQuoteSelector", "exact": "John Kirby"},
                ],
            },
        }


@schema.parametrize()
# The seed is made once per operation on purpose; each request rolls back what it changed.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case, seeded) -> None:  # type: ignore[no-untyped-def]
    # Deterministic in the generated request, so a failure replays the same way while shrinking.
    h = zlib.crc32(
        repr((case.path_parameters, case.query, case.headers, case.body)).encode(
            "utf-8", "surrogatepass"
        )
    )
    if h % 4:
        _use_seeded_path_ids(case, seeded, h >> 2)
    if (h >> 8) % 2:
        _use_seeded_body_refs(case, seeded, h >> 9)
    # One request in sixteen goes without the owner's token (its 401 must be documented, too).
    headers = {} if (h >> 12) % 16 == 0 else {"Authorization": f"Token {OWNER_TOKEN}"}
    with transaction.atomic():
        case.call_and_validate(headers=headers, checks=CHECKS)
        transaction.set_rollback(True)
