"""A seeded team for the API-wide passes (schemathesis, the hostile-input table): every role,
the seed article in two revisions, entities with mentions, annotations in every state, a reply,
a review and a queued job."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from annotations.models import Annotation, ApiToken, Entity, Job, Membership, Mention
from annotations.services import annotations as annotation_services
from annotations.services.articles import article_update_text
from annotations.services.jobs import job_enqueue
from annotations.services.tokens import token_digest
from tests.factories import MembershipFactory, UserFactory

OWNER_TOKEN = "schemathesis0owner0token0000000000000000"  # 40 characters, like DRF's keys
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def api_world(team_a, alice, bob, carol, article, tags_a) -> dict[str, Any]:
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
    from annotations.services.ach import ach_create, evidence_add

    analysis = ach_create(user=olga, team=team_a, question="How?", hypotheses=["Ship", "Rail"])
    evidence_add(analysis=analysis, actor=olga, annotation=claim.pk)
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
        "analyses": [analysis.pk],
    }
    return {
        "ids": collections,
        "revisions": [1, 2],
        "reviewable": [submitted.pk, claim.pk],
        "kirby_at": kirby_at,
        "text": text,
    }
