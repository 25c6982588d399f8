"""Team oversight for scripts: ``GET /api/teams/{id}/dashboard/`` and ``/agreement/``.

The same numbers as the dashboard and agreement pages (both come from
``annotations.selectors.oversight``). A team you are not in is a 404, like every other object.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.serializers import EntityRefSerializer, TagRefSerializer, UserSerializer
from annotations.api.users import signed_in
from annotations.models import Annotation, Team
from annotations.selectors import oversight
from annotations.services.summaries import dashboard_view

# --- Response shapes (for the OpenAPI document, and to keep the output to them) ---------------


class ChoiceCountSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class TagCountSerializer(serializers.Serializer):
    tag = TagRefSerializer()
    count = serializers.IntegerField(help_text="Annotations with this tag")


class ReviewerCountSerializer(serializers.Serializer):
    reviewer = UserSerializer()
    approve = serializers.IntegerField()
    request_changes = serializers.IntegerField()
    dispute = serializers.IntegerField()
    total = serializers.IntegerField()


class ClaimEntityCountSerializer(serializers.Serializer):
    entity = EntityRefSerializer()
    claims = serializers.IntegerField(
        help_text="Distinct claims attributed to the entity or naming it within their span"
    )
    attributed = serializers.IntegerField(help_text="Claims attributed to the entity")
    mentioned = serializers.IntegerField(help_text="Claims whose span contains a mention of it")


class ArticleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class EntityClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    exact = serializers.CharField()
    article = ArticleRefSerializer()
    assessment = serializers.ChoiceField(choices=Annotation.Assessment.choices)
    assessment_label = serializers.CharField()
    review_state = serializers.ChoiceField(choices=Annotation.ReviewState.choices)
    review_state_label = serializers.CharField()
    author = UserSerializer()
    created_at = serializers.DateTimeField()
    cluster = serializers.IntegerField(
        allow_null=True, help_text="Its claim cluster (/api/claims/<id>/), if clustered"
    )


class EntityClaimsSerializer(serializers.Serializer):
    entity = EntityRefSerializer()
    claims = EntityClaimSerializer(many=True)


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text='"annotation.created", "reply.created" ...')
    verb = serializers.CharField(help_text="The kind, in words")
    actor = UserSerializer(allow_null=True)
    article = ArticleRefSerializer(allow_null=True)
    annotation = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class TeamDashboardSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    annotations = serializers.IntegerField(
        help_text="The team's annotations you can see (model suggestions nobody accepted and "
        "the trash left out); the counts below are of these."
    )
    by_tag = TagCountSerializer(many=True)
    untagged = serializers.IntegerField()
    by_assessment = ChoiceCountSerializer(many=True)
    by_review_state = ChoiceCountSerializer(many=True)
    by_reviewer = ReviewerCountSerializer(
        many=True, help_text="Verdicts per reviewer (every owner and reviewer is listed)"
    )
    top_claim_entities = ClaimEntityCountSerializer(
        many=True, help_text=f"The {oversight.TOP_ENTITIES} entities in the most claims"
    )
    who_claims_what = EntityClaimsSerializer(
        many=True, help_text="Claims grouped by the entity they are attributed to"
    )
    claims_truncated = serializers.BooleanField(
        help_text=f"True when who_claims_what stops at {oversight.CLAIMS_LIMIT} claims"
    )
    activity = ActivitySerializer(
        many=True, help_text=f"The latest {oversight.ACTIVITY_LIMIT} events, newest first"
    )
    as_of = serializers.DateTimeField(
        allow_null=True,
        help_text="null when the figures are current; else when they were computed (a large "
        "team's dashboard is materialised and refreshed every minute, at most "
        "NEWSNOTES_DASHBOARD_STALE_SECONDS old)",
    )


class AgreementPairSerializer(serializers.Serializer):
    a = serializers.CharField(help_text="Analyst A (the reference), by username")
    b = serializers.CharField(help_text="Analyst B, measured against A")
    spans_a = serializers.IntegerField()
    spans_b = serializers.IntegerField()
    exact_precision = serializers.FloatField()
    exact_recall = serializers.FloatField()
    exact_f1 = serializers.FloatField()
    partial_precision = serializers.FloatField()
    partial_recall = serializers.FloatField()
    partial_f1 = serializers.FloatField()
    matched = serializers.IntegerField(help_text="Pairs matched by overlap")
    tag_kappa = serializers.FloatField(allow_null=True, help_text="Cohen's kappa of the tags")
    tag_observed = serializers.FloatField(allow_null=True)


class AgreementArticleRefSerializer(ArticleRefSerializer):
    blind = serializers.BooleanField()


class AgreementArticleSerializer(serializers.Serializer):
    article = AgreementArticleRefSerializer()
    annotators = serializers.ListField(child=serializers.CharField())
    withheld = serializers.BooleanField(
        help_text="A blind article whose figures you see once you have submitted your own "
        "work on it; its figures are then null and its pairs empty."
    )
    mean_exact_f1 = serializers.FloatField(allow_null=True)
    mean_partial_f1 = serializers.FloatField(allow_null=True)
    tag_alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha (nominal) of the tags"
    )
    pairs = AgreementPairSerializer(many=True)


class TeamAgreementSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    articles = AgreementArticleSerializer(many=True)


# --- Views -------------------------------------------------------------------------------------


class TeamReportViewSet(viewsets.GenericViewSet):
    """Read-only reports on a team, for scripts."""

    # Registered under the "teams" prefix beside TeamViewSet, which it leaves alone.

    lookup_value_regex = r"[0-9]+"
    pagination_class = None
    filterset_class = None

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Team.objects.none()
        return Team.objects.visible_to(self.request.user)

    @extend_schema(
        responses={200: TeamDashboardSerializer},
        filters=False,
        summary="The team dashboard: counts by tag, assessment, review state and reviewer; "
        "the entities in the most claims, who claims what, and recent activity.",
    )
    @action(detail=True, methods=["get"])
    def dashboard(self, request: Request, pk: str | None = None) -> Response:
        """What the dashboard page shows. Counted are the team's annotations you can see:
        teammates' private notes, the trash and model suggestions nobody accepted are not."""
        team = self.get_object()
        data, as_of = dashboard_view(user=signed_in(request), team=team)
        return Response(TeamDashboardSerializer({**data, "as_of": as_of}).data)

    @extend_schema(
        responses={200: TeamAgreementSerializer},
        filters=False,
        summary="Inter-annotator agreement on each article that two or more analysts "
        "annotated: span F1 (exact and overlap), Cohen's kappa and Krippendorff's alpha.",
    )
    @action(detail=True, methods=["get"])
    def agreement(self, request: Request, pk: str | None = None) -> Response:
        """Per article, the analysts' work shared with the team (origin "analyst", not in the
        trash, anchored in the current text), labelled by each annotation's primary tag.
        Pairs are (a, b) with a < b by username, b measured against a. On a blind article an
        analyst who has not submitted their own work gets `withheld: true` and no figures."""
        team = self.get_object()
        report = oversight.agreement_report(user=signed_in(request), team=team)
        data = {"team": team.pk, "articles": [oversight.agreement_dict(f) for f in report]}
        return Response(TeamAgreementSerializer(data).data)
