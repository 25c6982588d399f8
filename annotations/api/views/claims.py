"""Claim clusters: list and read them (with their timeline of appearances and hedges),
reword one, confirm, split, move, merge, and undo those judgements. Another team's cluster
answers 404; bad input answers 400 naming the field."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotations.api.claim_serializers import (
    AppearanceSerializer,
    AssessedSerializer,
    ClusterDetailSerializer,
    ClusterJudgementSerializer,
    ClusterSerializer,
    ClusterUpdateSerializer,
    MergeSerializer,
    MoveSerializer,
    NoteSerializer,
    ReviewOutcomeSerializer,
    SplitSerializer,
    appearance_json,
)
from annotations.api.conditional import etag
from annotations.api.params import int_field
from annotations.api.serializers import AnnotationSerializer
from annotations.api.users import signed_in
from annotations.models import Annotation, ClaimAppearance, ClaimCluster, ClusterJudgement
from annotations.nlp.hedges import STRENGTHS
from annotations.selectors import claims as claim_reads
from annotations.selectors.annotations import annotation_queryset, annotation_rows
from annotations.services import cluster_judgements as judge

STRENGTH_PARAM = OpenApiParameter(
    "strength",
    str,
    enum=list(STRENGTHS),
    description="Clusters with an appearance of this hedge strength (asserted, attributed, "
    "hedged, unverified report)",
)


def _strength(request: Request) -> str:
    value = request.query_params.get("strength", "")
    if value and value not in STRENGTHS:
        raise ValidationError({"strength": f"One of: {', '.join(STRENGTHS)}."})
    return value


def _optional_id(request: Request, name: str) -> int | None:
    if not request.query_params.get(name):
        return None
    return int_field(request.query_params, name, minimum=1)


@extend_schema(
    parameters=[
        STRENGTH_PARAM,
        OpenApiParameter("speaker", int, description="Clusters with a claim by this entity"),
        OpenApiParameter("team", int, description="Clusters of this team"),
        OpenApiParameter("confirmed", bool, description="Confirmed (or not) by an analyst"),
    ]
)
class ClaimClusterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClusterSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        request = self.request
        confirmed = request.query_params.get("confirmed", "")
        if confirmed not in ("", "true", "false", "1", "0"):
            raise ValidationError({"confirmed": "true or false."})
        return claim_reads.clusters_for(
            request.user,
            strength=_strength(request),
            speaker=_optional_id(request, "speaker"),
            team_id=_optional_id(request, "team"),
            confirmed=None if confirmed == "" else confirmed in ("true", "1"),
        ).select_related("confirmed_by")

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("-updated_at", "-id")
        return paginator

    def _cluster(self) -> ClaimCluster:
        return claim_reads.cluster_get_for_user(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, cluster: ClaimCluster) -> dict[str, Any]:
        page = claim_reads.cluster_page(self.request.user, cluster)
        dates = [a["published_at"] for a in page["appearances"] if a["published_at"]]
        # The list's counts, from the rows at hand (the list's subqueries cost more).
        cluster.n_appearances = len(page["appearances"])
        cluster.first_published = min(dates, default=None)
        cluster.last_published = max(dates, default=None)
        return {
            **ClusterSerializer(cluster).data,
            "speakers": page["speakers"],
            "first_appearance": appearance_json(page["first"]) if page["first"] else None,
            "timeline": [appearance_json(row) for row in page["appearances"]],
            "reviews": ReviewOutcomeSerializer(page["reviews"], many=True).data,
            "judgements": ClusterJudgementSerializer(page["judgements"], many=True).data,
        }

    @extend_schema(responses={200: ClusterDetailSerializer})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The claim: canonical wording, speakers, first appearance, the timeline of every
        appearance (outlet, speaker, hedges, strength, the team's assessment), review
        outcomes and disputes, and the analysts' judgements."""
        return Response(self._detail(self._cluster()))

    @extend_schema(request=ClusterUpdateSerializer, responses={200: ClusterDetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Reword the canonical wording."""
        data = ClusterUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cluster = judge.cluster_update(
            cluster=self._cluster(),
            canonical=data.validated_data["canonical"],
            actor=signed_in(request),
        )
        return Response(self._detail(cluster))

    def _judged(self, record: ClusterJudgement) -> Response:
        return Response(ClusterJudgementSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NoteSerializer, responses={201: ClusterJudgementSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """The cluster's claims say one thing: they are pinned to it."""
        data = NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._judged(
            judge.cluster_confirm(
                cluster=self._cluster(),
                actor=signed_in(request),
                note=data.validated_data.get("note", ""),
            )
        )

    @extend_schema(request=SplitSerializer, responses={201: ClusterJudgementSerializer})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str | None = None) -> Response:
        """The named appearances leave for a new cluster (400 for a cluster of one claim)."""
        data = SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._judged(
            judge.cluster_split(
                cluster=self._cluster(),
                appearance_ids=data.validated_data["appearances"],
                actor=signed_in(request),
                note=data.validated_data.get("note", ""),
            )
        )

    @extend_schema(request=MoveSerializer, responses={201: ClusterJudgementSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        """The named appearances move to ``target``, a cluster of the same team."""
        data = MoveSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        return self._judged(
            judge.cluster_move(
                cluster=self._cluster(),
                appearance_ids=data.validated_data["appearances"],
                target=data.validated_data["target"],
                actor=signed_in(request),
                note=data.validated_data.get("note", ""),
            )
        )

    @extend_schema(request=MergeSerializer, responses={201: ClusterJudgementSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Every appearance moves to ``target``, a cluster of the same team (400 across
        teams)."""
        data = MergeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        return self._judged(
            judge.cluster_merge(
                cluster=self._cluster(),
                target=data.validated_data["target"],
                actor=signed_in(request),
                note=data.validated_data.get("note", ""),
            )
        )


@extend_schema(
    parameters=[
        STRENGTH_PARAM,
        OpenApiParameter("cluster", int, description="Appearances of this cluster"),
    ]
)
class ClaimAppearanceViewSet(viewsets.GenericViewSet):
    """Claim appearances with their hedges, filterable by cluster and hedge strength."""

    serializer_class = AppearanceSerializer
    queryset = ClaimAppearance.objects.none()
    pagination_class = None  # at most MAX_APPEARANCES, newest first

    @extend_schema(responses={200: AppearanceSerializer(many=True)})
    def list(self, request: Request) -> Response:
        cluster_id = _optional_id(request, "cluster")
        strength = _strength(request)
        qs = claim_reads.visible_appearances(request.user)
        if cluster_id is not None:
            qs = qs.filter(cluster_id=cluster_id)
        if strength:
            qs = qs.filter(strength=strength)
        rows = claim_reads.appearance_rows(qs.order_by("-pk")[: claim_reads.MAX_APPEARANCES])
        return Response([appearance_json(row) for row in rows])


class ClusterJudgementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ClusterJudgementSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        qs = ClusterJudgement.objects.visible_to(self.request.user).select_related(
            "user", "undone_by"
        )
        cluster = _optional_id(self.request, "cluster")
        if cluster is not None:
            qs = qs.filter(cluster_id=cluster) | qs.filter(target_id=cluster)
        return qs

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("-created_at", "-id")
        return paginator

    @extend_schema(request=None, responses={200: ClusterJudgementSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        """Undo the judgement: moved claims go back, a confirmation is withdrawn."""
        record = judge.cluster_judgement_undo(judgement=self.get_object(), actor=signed_in(request))
        return Response(ClusterJudgementSerializer(record).data)


def _annotation(request: Request, pk: int) -> Annotation:
    return get_object_or_404(Annotation.objects.visible_to(request.user), pk=pk)


@extend_schema(responses={200: AssessedSerializer})
@api_view(["GET"])
def annotation_claim(request: Request, pk: int) -> Response:
    """The annotation's claim cluster and the team's earlier assessment of it ("already
    assessed"); 404 when the annotation is not a clustered claim."""
    found = claim_reads.assessed_for(request.user, _annotation(request, pk))
    if found is None:
        raise NotFound("Not a clustered claim.")
    return Response(AssessedSerializer(found).data)


@extend_schema(request=None, responses={200: AnnotationSerializer})
@api_view(["POST"])
def annotation_claim_adopt(request: Request, pk: int) -> Response:
    """Adopt the team's earlier assessment of the claim for this annotation."""
    annotation = judge.claim_assessment_adopt(
        annotation=_annotation(request, pk), actor=signed_in(request)
    )
    row = annotation_rows(annotation_queryset(request.user).filter(pk=annotation.pk))[0]
    response = Response(row)
    response["ETag"] = etag(row["version"])
    return response
