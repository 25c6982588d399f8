"""REST API. Each ViewSet's queryset starts from ``visible_to(request.user)``, so another
team's id is a 404; each write calls a service, so the API and the UI share every rule."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from annotations.api import filters
from annotations.api import serializers as s
from annotations.api.errors import PreconditionFailedError
from annotations.api.jsonld import (
    Iris,
    annotation_to_jsonld,
    collection_to_jsonld,
    jsonld_to_fields,
    with_jsonld_relations,
)
from annotations.models import (
    Annotation,
    Article,
    ArticleRevision,
    Entity,
    IdempotencyKey,
    Job,
    Membership,
    Mention,
    Reply,
    Review,
    Tag,
    Team,
)
from annotations.services import annotations as annotation_services
from annotations.services import articles as article_services
from annotations.services import entities as entity_services
from annotations.services import imports, teams
from annotations.services.jobs import job_enqueue

User = get_user_model()


# --- Concurrency: ETag / If-Match and Idempotency-Key ---


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version named by If-Match (an ETag we issued), or None when absent."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailedError('If-Match must be an ETag this API issued, like "3".')
    return int(value)


class IdempotentCreateMixin:
    """``Idempotency-Key`` on POST: a retry with the same key and body replays the first
    response instead of creating a twin; the same key with another body is refused."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return self.perform_idempotent_create(request)
        if len(key) > 200:
            raise ValidationError({"Idempotency-Key": "At most 200 characters."})
        body = request.body if not request.FILES else b""
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.path.encode(), body])
        ).hexdigest()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            record = IdempotencyKey.objects.get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                raise ValidationError(
                    {"Idempotency-Key": "This key was used for a different request."}
                ) from None
            if record.status_code is None:
                return Response(
                    {
                        "status": 409,
                        "code": "in_progress",
                        "detail": "The first request with this key is still running.",
                        "errors": {},
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            response = Response(record.response, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            response = self.perform_idempotent_create(request)
        except Exception:
            record.delete()  # a failed attempt may be retried with the same key
            raise
        record.status_code = response.status_code
        record.response = json.loads(json.dumps(response.data, default=str))
        record.save(update_fields=["status_code", "response"])
        return response

    def perform_idempotent_create(self, request: Request) -> Response:
        raise NotImplementedError


# --- Auth and people ---


@extend_schema(
    request=s.TokenRequestSerializer,
    responses={200: s.TokenSerializer},
    summary="Exchange a username and password for this user's API token (throttled).",
    auth=[],
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([ScopedRateThrottle])
def token_obtain(request: Request) -> Response:
    serializer = s.TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = authenticate(
        request,
        username=serializer.validated_data["username"],
        password=serializer.validated_data["password"],
    )
    if user is None:
        raise ValidationError({"non_field_errors": "Wrong username or password."})
    token, _ = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})


token_obtain.cls.throttle_scope = "auth"  # type: ignore[attr-defined]


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="The signed-in user and their teams.")
@api_view(["GET"])
def me(request: Request) -> Response:
    memberships = Membership.objects.filter(user=request.user).select_related("team")
    return Response(
        {
            **s.user_dict(request.user),
            "teams": [
                {"id": m.team.pk, "name": m.team.name, "slug": m.team.slug, "role": m.role}
                for m in memberships
            ],
        }
    )


@extend_schema_view(
    list=extend_schema(summary="Teammates: the users of the teams you belong to."),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.UserSerializer
    filterset_class = filters.UserFilter
    ordering = "username"

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return User.objects.none()
        teams = Membership.objects.filter(user=self.request.user).values("team_id")
        return User.objects.filter(memberships__team_id__in=teams).distinct().order_by("username")

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = "username"
        return paginator


class TeamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.TeamSerializer

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Team.objects.none()
        role = Membership.objects.filter(team=OuterRef("pk"), user=self.request.user).values("role")
        return Team.objects.visible_to(self.request.user).annotate(role=Subquery(role[:1]))

    @extend_schema(request=s.TeamCreateSerializer, responses={201: s.TeamSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.TeamCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = teams.team_create(owner=request.user, **data.validated_data)
        return Response(
            s.TeamSerializer(self.get_queryset().get(pk=team.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MembershipViewSet(viewsets.ModelViewSet):
    serializer_class = s.MembershipSerializer
    filterset_class = filters.MembershipFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Membership.objects.filter(
            team__in=Team.objects.visible_to(self.request.user)
        ).select_related("user", "team")

    def get_serializer_class(self) -> Any:
        return (
            s.MembershipUpdateSerializer
            if self.action == "partial_update"
            else super().get_serializer_class()
        )

    def perform_create(self, serializer: Any) -> None:
        team = serializer.validated_data["team"]
        teams.require_role(
            user=self.request.user, team=team, roles=teams.MANAGE_ROLES, action="manage members"
        )
        user = User.objects.filter(username=serializer.validated_data["username"]).first()
        if user is None:
            raise ValidationError({"username": "No such user."})
        serializer.instance = teams.membership_set(
            team=team, user=user, role=serializer.validated_data["role"]
        )

    @extend_schema(request=s.MembershipUpdateSerializer, responses={200: s.MembershipSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        data = s.MembershipUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        teams.require_role(
            user=request.user,
            team=membership.team,
            roles=teams.MANAGE_ROLES,
            action="manage members",
        )
        updated = teams.membership_set(
            team=membership.team, user=membership.user, role=data.validated_data["role"]
        )
        return Response(s.MembershipSerializer(updated, context={"request": request}).data)

    def perform_destroy(self, instance: Membership) -> None:
        teams.membership_remove(membership=instance, actor=self.request.user)


# --- Articles ---


class JsonLdParser(JSONParser):
    media_type = "application/ld+json"


def _article_counts(queryset: QuerySet, user: Any) -> QuerySet:
    visible = (
        Annotation.objects.filter(article=OuterRef("pk"))
        .filter(Q(visibility=Annotation.Visibility.TEAM) | Q(author=user))
        .exclude(suggestion_state=Annotation.SuggestionState.REJECTED)
    )
    counted = visible.values("article").annotate(n=Count("pk")).values("n")
    mentions = (
        Mention.objects.filter(article=OuterRef("pk"), rejected=False)
        .values("article")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        annotation_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        mention_count=Coalesce(Subquery(mentions, output_field=IntegerField()), 0),
    )


@extend_schema_view(
    list=extend_schema(summary="Articles of your teams, newest first; filter and search."),
    retrieve=extend_schema(summary="One article with its canonical text (ETag: its revision)."),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = filters.ArticleFilter
    parser_classes = [JSONParser, JsonLdParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Article.objects.none()
        queryset = Article.objects.visible_to(self.request.user).select_related("outlet")
        if self.action == "retrieve":
            queryset = queryset.select_related("imported_by")
        else:
            queryset = queryset.defer("text")
        return _article_counts(queryset, self.request.user)

    def get_serializer_class(self) -> Any:
        return s.ArticleDetailSerializer if self.action == "retrieve" else s.ArticleSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag(response.data["revision"])
        return response

    def _detail(self, article: Article, code: int = status.HTTP_200_OK, **extra: Any) -> Response:
        fresh = self.get_queryset().select_related("imported_by").get(pk=article.pk)
        data = s.ArticleDetailSerializer(fresh, context={"request": self.request}).data
        response = Response({**data, **extra} if extra else data, status=code)
        response["ETag"] = etag(fresh.revision)
        return response

    @extend_schema(
        request=s.ArticleCreateSerializer,
        responses={201: s.ArticleDetailSerializer, 200: s.ArticleDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        """Import plain text. An article already in the team (same URL or text) answers 200."""
        data = s.ArticleCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        article, created = imports.import_text(
            user=request.user, outlet_name=values.pop("outlet"), **values
        )
        return self._detail(article, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(
        request=s.ArticleUpdateSerializer,
        responses={200: s.ArticleDetailSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="ETag (revision) you read; a stale one gets 412",
            ),
        ],
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Edit metadata and/or the text. A text edit makes a new revision and re-anchors
        annotations; a stale If-Match gets 412 and changes nothing."""
        article = self.get_object()
        data = s.ArticleUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        article = article_services.article_edit(
            article=article,
            actor=request.user,
            expected_revision=expected_version(request),
            **values,
        )
        return self._detail(article)

    @extend_schema(
        request=s.ImportHtmlSerializer,
        responses={201: s.ArticleDetailSerializer, 200: s.ArticleDetailSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import-html")
    def import_html(self, request: Request) -> Response:
        """Import an HTML page (as `html` or an uploaded `file`): main text and metadata are
        extracted and the markup is sanitised."""
        data = s.ImportHtmlSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        html = values["file"].read() if values.get("file") else values["html"]
        article, created = imports.import_html(
            team=values["team"], user=request.user, html=html, url=values.get("url", "")
        )
        return self._detail(article, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.ImportUrlSerializer, responses={202: s.JobSerializer})
    @action(detail=False, methods=["post"], url_path="import-url")
    def import_url(self, request: Request) -> Response:
        """Fetch a public web page in the background and import it. Private, loopback and
        other non-public addresses are refused."""
        data = s.ImportUrlSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        team = data.validated_data["team"]
        teams.require_role(
            user=request.user, team=team, roles=teams.IMPORT_ROLES, action="import articles"
        )
        url = imports.check_import_url(data.validated_data["url"])
        with transaction.atomic():
            job = job_enqueue(
                team=team,
                kind=Job.Kind.IMPORT_URL,
                params={"url": url},
                created_by=request.user,
                total=1,
            )
        job.refresh_from_db()
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.ImportJsonlSerializer, responses={200: s.ImportReportSerializer})
    @action(
        detail=False, methods=["post"], url_path="import-jsonl", parser_classes=[MultiPartParser]
    )
    def import_jsonl(self, request: Request) -> Response:
        """Bulk import from a JSON Lines file, one article per line; bad lines are reported
        with their number and the rest goes on. NER runs as a background job."""
        data = s.ImportJsonlSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        report = imports.import_jsonl(
            team=data.validated_data["team"], user=request.user, lines=data.validated_data["file"]
        )
        return Response(report.as_dict())

    @extend_schema(request=None, responses={202: s.JobSerializer})
    @action(detail=True, methods=["post"])
    def analyze(self, request: Request, pk: str | None = None) -> Response:
        """Run NER and attribution extraction again (analysts' corrections are kept)."""
        article = self.get_object()
        teams.require_role(
            user=request.user,
            team=article.team,
            roles=teams.IMPORT_ROLES,
            action="analyse articles",
        )
        with transaction.atomic():
            Article.objects.filter(pk=article.pk).update(nlp_status=Article.NlpStatus.PENDING)
            job = job_enqueue(
                team=article.team,
                kind=Job.Kind.ANALYZE,
                params={"article_ids": [article.pk]},
                created_by=request.user,
                total=1,
            )
        job.refresh_from_db()
        return Response(s.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: s.RevisionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def revisions(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        rows = ArticleRevision.objects.filter(article=article).select_related("created_by")
        return Response(s.RevisionSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.RevisionDetailSerializer}, filters=False)
    @action(
        detail=True,
        methods=["get"],
        url_path=r"revisions/(?P<number>[0-9]+)",
        pagination_class=None,
        filterset_class=None,
    )
    def revision(self, request: Request, pk: str | None = None, number: str = "") -> Response:
        article = self.get_object()
        row = get_object_or_404(
            ArticleRevision.objects.select_related("created_by"),
            article=article,
            number=int(number),
        )
        return Response(s.RevisionDetailSerializer(row).data)

    @extend_schema(
        methods=["GET"],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="W3C AnnotationCollection")
        },
        filters=False,
        summary="The article's annotations as a W3C Web Annotation collection (JSON-LD).",
    )
    @extend_schema(
        methods=["POST"],
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT, description="W3C Annotation")},
        summary="Create an annotation from W3C Web Annotation JSON-LD.",
    )
    def annotations_jsonld(self, request: Request, pk: str | None = None) -> Response:
        article = self.get_object()
        iris = Iris(request.build_absolute_uri("/").rstrip("/"))
        if request.method == "POST":
            fields = jsonld_to_fields(request.data, article=article, iris=iris, user=request.user)
            created = annotation_services.annotation_create(
                article=article, author=request.user, **fields
            )
            created = with_jsonld_relations(Annotation.objects.filter(pk=created.pk)).get()
            response = Response(
                annotation_to_jsonld(created, iris=iris), status=status.HTTP_201_CREATED
            )
        else:
            rows = (
                with_jsonld_relations(Annotation.objects.visible_to(request.user))
                .filter(article=article)
                .exclude(
                    suggestion_state__in=[
                        Annotation.SuggestionState.PENDING,
                        Annotation.SuggestionState.REJECTED,
                    ]
                )
            )
            response = Response(collection_to_jsonld(article, list(rows), iris=iris))
        response["Content-Type"] = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
        return response


# --- Entities and mentions ---


class EntityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.EntitySerializer
    filterset_class = filters.EntityFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def get_queryset(self) -> QuerySet:
        mentions = Mention.objects.filter(entity=OuterRef("pk"), rejected=False)
        return Entity.objects.visible_to(self.request.user).annotate(
            mention_count=Coalesce(
                Subquery(
                    mentions.values("entity").annotate(n=Count("pk")).values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            article_count=Coalesce(
                Subquery(
                    mentions.values("entity")
                    .annotate(n=Count("article", distinct=True))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )

    def perform_update(self, serializer: Any) -> None:
        entity = serializer.instance
        teams.require_role(
            user=self.request.user,
            team=entity.team,
            roles=teams.ANNOTATE_ROLES,
            action="edit entities",
        )
        serializer.instance = entity_services.entity_update(
            entity=entity, **serializer.validated_data
        )

    @extend_schema(request=s.EntityMergeSerializer, responses={200: s.EntitySerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Fold other entities into this one: their mentions, keys and attributions move."""
        target = self.get_object()
        data = s.EntityMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["others"])
        others = list(Entity.objects.visible_to(request.user).filter(pk__in=wanted))
        if len(others) != len(wanted):
            raise ValidationError({"others": "Some of these entities do not exist."})
        entity_services.entity_merge(target=target, others=others, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)

    @extend_schema(request=s.EntitySplitSerializer, responses={201: s.EntitySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str | None = None) -> Response:
        """Move some of this entity's mentions to a new entity."""
        entity = self.get_object()
        data = s.EntitySplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = set(data.validated_data["mentions"])
        mentions = list(Mention.objects.filter(entity=entity, pk__in=wanted))
        if len(mentions) != len(wanted):
            raise ValidationError({"mentions": "Every mention must belong to this entity."})
        new = entity_services.entity_split(
            entity=entity,
            mentions=mentions,
            name=data.validated_data["name"],
            kind=data.validated_data["kind"],
            actor=request.user,
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=new.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MentionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.MentionSerializer
    filterset_class = filters.MentionFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Mention.objects.visible_to(self.request.user).select_related("entity")

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("article_id", "start")
        return paginator

    @extend_schema(request=s.MentionCreateSerializer, responses={201: s.MentionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Mark a span the model missed (an analyst's mention; NER never removes it)."""
        data = s.MentionCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        mention = entity_services.mention_create(
            article_id=values["article"].pk,
            entity=values["entity"],
            start=values["start"],
            end=values["end"],
            actor=request.user,
        )
        return Response(s.MentionSerializer(mention).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MentionUpdateSerializer, responses={200: s.MentionSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Correct the entity a mention names. NER will not change it back."""
        mention = self.get_object()
        data = s.MentionUpdateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        mention = entity_services.mention_set_entity(
            mention=mention, entity=data.validated_data["entity"], actor=request.user
        )
        return Response(s.MentionSerializer(mention).data)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: s.MentionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Hide a wrong mention; it stays hidden when NER runs again."""
        mention = entity_services.mention_reject(mention=self.get_object(), actor=request.user)
        return Response(s.MentionSerializer(mention).data)


# --- Tags ---


class TagViewSet(viewsets.ModelViewSet):
    serializer_class = s.TagSerializer
    filterset_class = filters.TagFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return Tag.objects.visible_to(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("position", "id")
        return paginator

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = teams.tag_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer: Any) -> None:
        values = {k: v for k, v in serializer.validated_data.items() if k != "team"}
        serializer.instance = teams.tag_update(
            tag=serializer.instance, actor=self.request.user, **values
        )

    def perform_destroy(self, instance: Tag) -> None:
        teams.tag_delete(tag=instance, actor=self.request.user)


# --- Annotations ---


def annotation_queryset(user: Any) -> QuerySet:
    """Annotations the user may see, with everything the list needs in two queries."""
    replies = (
        Reply.objects.filter(annotation=OuterRef("pk"))
        .values("annotation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Annotation.objects.visible_to(user)
        .select_related("author", "attributed_to_entity")
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.only("id", "name", "slug", "colour", "kind"))
        )
        .annotate(reply_count=Coalesce(Subquery(replies, output_field=IntegerField()), 0))
    )


@extend_schema_view(
    list=extend_schema(
        summary=(
            "Annotations, in reading order; filter by article, tag, author, entity, "
            "assessment, review state, time and text."
        ),
    ),
    retrieve=extend_schema(summary="One annotation (ETag: its version)."),
)
class AnnotationViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    serializer_class = s.AnnotationSerializer
    filterset_class = filters.AnnotationFilter
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        return annotation_queryset(self.request.user)

    @property
    def paginator(self) -> Any:
        paginator = super().paginator
        if paginator is not None:
            paginator.ordering = ("start", "id")
        return paginator

    def _one(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        annotation = self.get_queryset().get(pk=pk)
        response = Response(s.AnnotationSerializer(annotation).data, status=code)
        response["ETag"] = etag(annotation.version)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._one(self.get_object().pk)

    @extend_schema(
        request=s.AnnotationCreateSerializer,
        responses={201: s.AnnotationSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Retries with the same key return the first response",
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    def perform_idempotent_create(self, request: Request) -> Response:
        data = s.AnnotationCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_create(
            author=request.user, **data.validated_data
        )
        return self._one(annotation.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AnnotationUpdateSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[
            OpenApiParameter(
                "If-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="ETag (version) you read; a stale one gets 412 and changes nothing",
            )
        ],
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        data = s.AnnotationUpdateSerializer(
            data=request.data, context={"request": request}, partial=True
        )
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = expected_version(request)
        if version is None and "version" in request.data:
            version = _int_field(request.data, "version")
        updated = annotation_services.annotation_update(
            annotation=annotation, actor=request.user, expected_version=version, **values
        )
        return self._one(updated.pk)

    @extend_schema(
        request=s.AnnotationUpdateSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)],
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER)]
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation_services.annotation_delete(
            annotation=self.get_object(),
            actor=request.user,
            expected_version=expected_version(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept a model suggestion: it becomes an ordinary annotation by you."""
        annotation = annotation_services.suggestion_accept(
            annotation=self.get_object(), actor=request.user
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a model suggestion: hidden, and never suggested again."""
        annotation = annotation_services.suggestion_reject(
            annotation=self.get_object(), actor=request.user
        )
        return self._one(annotation.pk)


def _int_field(data: Any, name: str) -> int:
    try:
        return int(data[name])
    except (TypeError, ValueError):
        raise ValidationError({name: "A whole number."}) from None


# --- Replies, reviews, jobs ---


class ReplyViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ReplySerializer
    filterset_class = filters.ReplyFilter

    def get_queryset(self) -> QuerySet:
        visible = Annotation.objects.visible_to(self.request.user)
        return Reply.objects.filter(annotation__in=visible).select_related("author")

    def perform_idempotent_create(self, request: Request) -> Response:
        data = s.ReplySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        reply = annotation_services.reply_create(
            annotation=data.validated_data["annotation"],
            author=request.user,
            text=data.validated_data["text"],
            parent=data.validated_data.get("parent"),
        )
        return Response(
            s.ReplySerializer(reply, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ReviewViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = s.ReviewSerializer
    filterset_class = filters.ReviewFilter

    def get_queryset(self) -> QuerySet:
        visible = Annotation.objects.visible_to(self.request.user)
        return Review.objects.filter(annotation__in=visible).select_related("reviewer")

    def perform_idempotent_create(self, request: Request) -> Response:
        data = s.ReviewSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        review = annotation_services.review_create(
            annotation=data.validated_data["annotation"],
            reviewer=request.user,
            verdict=data.validated_data["verdict"],
            note=data.validated_data.get("note", ""),
        )
        return Response(
            s.ReviewSerializer(review, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.JobSerializer
    filterset_class = filters.JobFilter

    def get_queryset(self) -> QuerySet:
        return Job.objects.visible_to(self.request.user)
