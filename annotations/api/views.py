"""REST API. Each ViewSet's queryset starts from ``visible_to(request.user)``, so another
team's id is a 404; each write calls a service, so the API and the UI share every rule."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse
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
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, too
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from annotations.api import filters, listcache
from annotations.api import serializers as s
from annotations.api.errors import PreconditionFailedError
from annotations.api.live import visible_events
from annotations.formats.jsonld import (
    Iris,
    annotation_to_jsonld,
    collection_to_jsonld,
    with_jsonld_relations,
)
from annotations.formats.jsonld_fields import jsonld_to_fields
from annotations.models import (
    Annotation,
    AnnotationVersion,
    Article,
    ArticleRevision,
    Entity,
    Event,
    IdempotencyKey,
    Job,
    Membership,
    Mention,
    Notification,
    Reply,
    Review,
    Tag,
    Team,
)
from annotations.services import annotations as annotation_services
from annotations.services import articles as article_services
from annotations.services import entities as entity_services
from annotations.services import imports, notifications, teams
from annotations.services.jobs import job_enqueue

User = get_user_model()


# --- Concurrency: ETag / If-Match and Idempotency-Key ---

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="ETag (version) you read; a stale one gets 412 and changes nothing",
)


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version named by If-Match (an ETag we issued), or None when absent."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdecimal():  # not isdigit(): int("²") raises
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
        fingerprint = _request_fingerprint(request)
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


def _request_fingerprint(request: Request) -> str:
    """Method, path and the parsed body. Not the raw body: the parsers have read the stream
    (reading ``request.body`` afterwards raises), and a retry's form boundary, key order or
    whitespace may differ from the first request's."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict, from a form
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256("\n".join([request.method, request.path, body]).encode()).hexdigest()


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

    # --- Exports and imports of the team's annotations (annotations/services/exports.py) ---

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # On the export, `?format=` names the file's format, not one of DRF's renderers
        # (which would answer 404 to an unknown one).
        if self.action == "export":
            renderer = self.get_renderers()[0]
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=s.ANNOTATION_EXPORT_FORMATS,
                required=True,
                description="csv: a row per annotation; jsonl: a JSON object per line; jsonld: "
                "a W3C Web Annotation collection; spacy: approved spans, a line per article.",
            )
        ],
        responses={
            (200, media_type): OpenApiResponse(
                schema,
                description="The file (Content-Disposition: attachment; filename="
                "newsnotes-<team slug>-<date>.<csv|jsonl|jsonld|spacy.jsonl>): text/csv, "
                "application/x-ndjson (jsonl, spacy) or a W3C AnnotationCollection.",
            )
            for media_type, schema in (
                ("text/csv", OpenApiTypes.BINARY),
                ("application/x-ndjson", OpenApiTypes.BINARY),
                ("application/ld+json", OpenApiTypes.OBJECT),
            )
        },
        filters=False,
        summary="Download the team's annotations that you may see, as a file.",
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def export(self, request: Request, pk: str | None = None) -> Any:
        from django.http import HttpResponse

        from annotations.services import exports

        team = self.get_object()
        fmt = request.query_params.get("format", "")
        if fmt not in exports.FORMATS:
            raise ValidationError(
                {"format": f"Give one of {', '.join(exports.FORMATS)} (got {fmt[:40]!r})."}
            )
        body = exports.annotations_export_bytes(
            team=team,
            user=request.user,
            fmt=fmt,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        response = HttpResponse(body, content_type=exports.MEDIA_TYPES[fmt])
        filename = exports.export_filename(team=team, fmt=fmt)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(
        request={"multipart/form-data": s.AnnotationImportSerializer},
        responses={200: s.AnnotationImportReportSerializer},
        summary="Import an export into this team (analysts and owners): bad rows are reported "
        "with their number, annotations already here are skipped.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import-annotations",
        parser_classes=[MultiPartParser],
    )
    def import_annotations(self, request: Request, pk: str | None = None) -> Response:
        from annotations.services import annotation_imports

        team = self.get_object()
        teams.require_role(
            user=request.user, team=team, roles=teams.ANNOTATE_ROLES, action="import annotations"
        )
        data = s.AnnotationImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = annotation_imports.annotations_import(
            team=team,
            user=request.user,
            fmt=data.validated_data["format"],
            stream=data.validated_data["file"],
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        return Response(s.AnnotationImportReportSerializer(report.as_dict()).data)


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
            team=team,
            user=user,
            role=serializer.validated_data.get("role", Membership.Role.ANALYST),
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
        responses={201: s.ArticleImportedSerializer, 200: s.ArticleImportedSerializer},
    )
    def create(self, request: Request) -> Response:
        """Import plain text. An article already in the team (same URL or text) answers 200."""
        data = s.ArticleCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        article, created = imports.import_text(
            user=request.user, outlet_name=values.pop("outlet"), **values
        )
        return self._detail(
            article,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            job=getattr(article, "analysis_job_id", None),
        )

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
        responses={201: s.ArticleImportedSerializer, 200: s.ArticleImportedSerializer},
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
        return self._detail(
            article,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            job=getattr(article, "analysis_job_id", None),
        )

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

    @extend_schema(request=None, responses={200: s.ArticleSubmitResultSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit your work on this article: your drafts go to review, and on a blind
        article you now see your teammates' annotations."""
        count = annotation_services.article_submit(article=self.get_object(), actor=request.user)
        return Response({"submitted": count})

    @extend_schema(
        responses={200: s.EventPageSerializer},
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, description="Last event id seen")],
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        """Changes to this article's annotations after the event id `after` (for polling;
        on PostgreSQL the reader streams them instead)."""
        article = self.get_object()
        after = _int_field(request.query_params, "after") if "after" in request.query_params else 0
        events = visible_events(Event.objects.filter(article=article, pk__gt=after), request.user)
        rows = list(events.select_related("actor").order_by("id")[:500])
        last = rows[-1].pk if rows else max(after, _last_event_id(article.pk))
        return Response({"events": s.EventSerializer(rows, many=True).data, "last": last})

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
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="W3C AnnotationCollection"
            )
        },
        filters=False,
        summary="The article's annotations as a W3C Web Annotation collection (JSON-LD).",
    )
    @extend_schema(
        methods=["POST"],
        request=OpenApiTypes.OBJECT,
        responses={
            (201, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="W3C Annotation"
            )
        },
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
        # The attribute, not the header: DRF sets the header from it when it renders.
        response.content_type = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
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
    """Annotations the user may see, with their reply counts."""
    # order_by(): Reply's default ordering would join annotation and article for every row.
    replies = (
        Reply.objects.filter(annotation=OuterRef("pk"))
        .order_by()
        .values("annotation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Annotation.objects.visible_to(user).annotate(
        reply_count=Coalesce(Subquery(replies, output_field=IntegerField()), 0)
    )


def annotation_rows(queryset: QuerySet) -> list[dict[str, Any]]:
    """The API dicts of a queryset from annotation_queryset(): two queries in all."""
    return s.annotation_dicts(queryset.values(*s.ANNOTATION_COLUMNS))


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
        row = annotation_rows(self.get_queryset().filter(pk=pk))[0]
        response = Response(row, status=code)
        response["ETag"] = etag(row["version"])
        return response

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        key = listcache.page_key(request)
        if key is not None and (cached := listcache.cached_page(key)) is not None:
            return cached
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset.values(*s.ANNOTATION_COLUMNS))
        response = self.get_paginated_response(s.annotation_dicts(page))
        if key is not None:
            listcache.store_when_rendered(response, key)
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

    @extend_schema(request=None, responses={200: s.AnnotationSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Send a draft (or one with changes requested) to the reviewers."""
        annotation = annotation_services.annotation_submit(
            annotation=self.get_object(),
            actor=request.user,
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(request=None, responses={200: s.AnnotationSerializer}, parameters=[IF_MATCH])
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take a submitted annotation back to draft."""
        annotation = annotation_services.annotation_withdraw(
            annotation=self.get_object(),
            actor=request.user,
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(responses={200: s.AnnotationVersionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """Every version of the annotation, oldest first: who changed what, and when."""
        annotation = self.get_object()
        versions = AnnotationVersion.objects.filter(annotation=annotation).select_related("actor")
        return Response(s.AnnotationVersionSerializer(versions, many=True).data)

    @extend_schema(
        request=s.RestoreVersionSerializer,
        responses={200: s.AnnotationSerializer},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="restore-version")
    def restore_version(self, request: Request, pk: str | None = None) -> Response:
        """Make an earlier version current again (the restore is a new version)."""
        data = s.RestoreVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = annotation_services.annotation_restore_version(
            annotation=self.get_object(),
            number=data.validated_data["version"],
            actor=request.user,
            expected_version=expected_version(request),
        )
        return self._one(annotation.pk)

    @extend_schema(
        responses={200: s.AnnotationSerializer(many=True)},
        summary="The trash: your deleted annotations (a team owner's: all), restorable 30 days.",
    )
    @action(detail=False, methods=["get"], filterset_class=None)
    def trash(self, request: Request) -> Response:
        rows = Annotation.objects.trash_of(request.user).annotate(reply_count=Count("replies"))
        team = request.query_params.get("team")
        if team:
            rows = rows.filter(team_id=_int_field(request.query_params, "team"))
        page = self.paginate_queryset(rows.values(*s.ANNOTATION_COLUMNS))
        return self.get_paginated_response(s.annotation_dicts(page))

    @extend_schema(request=None, responses={200: s.AnnotationSerializer})
    @action(detail=True, methods=["post"])
    def undelete(self, request: Request, pk: str | None = None) -> Response:
        """Bring an annotation back from the trash."""
        trashed = get_object_or_404(Annotation.objects.trash_of(request.user), pk=pk)
        annotation = annotation_services.annotation_undelete(annotation=trashed, actor=request.user)
        return self._one(annotation.pk)


def _last_event_id(article_id: int) -> int:
    return (
        Event.objects.filter(article_id=article_id)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0
    )


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


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your notifications, newest first: @mentions, replies to your annotations, verdicts."""

    serializer_class = s.NotificationSerializer
    filterset_class = filters.NotificationFilter

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        visible = Annotation.objects.visible_to(self.request.user)
        return (
            Notification.objects.filter(user=self.request.user)
            .filter(Q(annotation__isnull=True) | Q(annotation__in=visible))
            .select_related("actor", "annotation")
        )

    @extend_schema(
        request=s.NotificationReadSerializer, responses={200: s.NotificationReadResultSerializer}
    )
    @action(detail=False, methods=["post"])
    def read(self, request: Request) -> Response:
        """Mark notifications read: the ones named by `ids`, or all of them."""
        data = s.NotificationReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = notifications.notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids")
        )
        return Response({"marked": count})


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.JobSerializer
    filterset_class = filters.JobFilter

    def get_queryset(self) -> QuerySet:
        return Job.objects.visible_to(self.request.user)
