"""Articles: import (text, HTML, URL, JSON Lines), edits with their revisions, analysis,
submission, polled events and the W3C JSON-LD collection."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404  # a non-numeric id is a 404, too
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotations import filters
from annotations.api import activity_serializers as activity
from annotations.api import serializers as s
from annotations.api.conditional import IF_MATCH, etag, expected_version
from annotations.api.params import int_field
from annotations.api.parsers import BoundedJSONLDParser, BoundedJSONParser
from annotations.api.suggestion_serializers import (
    SuggestionDecisionResultSerializer,
    SuggestionDecisionSerializer,
)
from annotations.api.users import signed_in
from annotations.formats.jsonld import (
    Iris,
    annotation_to_jsonld,
    collection_to_jsonld,
    with_jsonld_relations,
)
from annotations.formats.jsonld_fields import jsonld_to_fields
from annotations.models import (
    Annotation,
    Article,
    ArticleRevision,
    Event,
    Job,
)
from annotations.selectors.annotations import annotation_queryset, annotation_rows
from annotations.selectors.articles import article_last_event_id, articles_with_counts
from annotations.selectors.events import visible_events
from annotations.services import annotations as annotation_services
from annotations.services import articles as article_services
from annotations.services import imports, suggestions, teams
from annotations.services.jobs import articles_queue_analysis, job_enqueue

User = get_user_model()


@extend_schema_view(
    list=extend_schema(summary="Articles of your teams, newest first; filter and search."),
    retrieve=extend_schema(summary="One article with its canonical text (ETag: its revision)."),
)
class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = filters.ArticleFilter
    parser_classes = [BoundedJSONParser, BoundedJSONLDParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Article.objects.none()
        queryset = Article.objects.visible_to(self.request.user).select_related("outlet")
        if self.action == "retrieve":
            queryset = queryset.select_related("imported_by")
        else:
            queryset = queryset.defer("text")
        return articles_with_counts(queryset, self.request.user)

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
            user=signed_in(request), outlet_name=values.pop("outlet"), **values
        )
        return self._detail(
            article,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            job=getattr(article, "analysis_job_id", None),
        )

    @extend_schema(
        request=s.ArticleUpdateSerializer,
        responses={200: s.ArticleDetailSerializer},
        parameters=[IF_MATCH],
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
            actor=signed_in(request),
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
            team=values["team"], user=signed_in(request), html=html, url=values.get("url", "")
        )
        return self._detail(
            article,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            job=getattr(article, "analysis_job_id", None),
        )

    @extend_schema(request=s.ImportUrlSerializer, responses={202: activity.JobSerializer})
    @action(detail=False, methods=["post"], url_path="import-url")
    def import_url(self, request: Request) -> Response:
        """Fetch a public web page in the background and import it. Private, loopback and
        other non-public addresses are refused."""
        data = s.ImportUrlSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        team = data.validated_data["team"]
        teams.require_role(
            user=signed_in(request), team=team, roles=teams.IMPORT_ROLES, action="import articles"
        )
        url = imports.check_import_url(data.validated_data["url"])
        with transaction.atomic():
            job = job_enqueue(
                team=team,
                kind=Job.Kind.IMPORT_URL,
                params={"url": url},
                created_by=signed_in(request),
                total=1,
            )
        job.refresh_from_db()
        return Response(activity.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=s.ImportJsonlSerializer, responses={200: s.ImportReportSerializer})
    @action(
        detail=False, methods=["post"], url_path="import-jsonl", parser_classes=[MultiPartParser]
    )
    def import_jsonl(self, request: Request) -> Response:
        """Bulk import from a JSON Lines file, one article per line, read as it goes; bad lines
        are reported with their number (the first 100, and how many in all) and the rest goes
        on. NER runs as a background job."""
        data = s.ImportJsonlSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        report = imports.import_jsonl(
            team=data.validated_data["team"],
            user=signed_in(request),
            lines=data.validated_data["file"],
        )
        return Response(report.as_dict())

    @extend_schema(request=None, responses={202: activity.JobSerializer})
    @action(detail=True, methods=["post"])
    def analyze(self, request: Request, pk: str | None = None) -> Response:
        """Run NER and attribution extraction again (analysts' corrections are kept)."""
        article = self.get_object()
        job = articles_queue_analysis(
            team=article.team, article_ids=[article.pk], actor=signed_in(request)
        )
        if job is None:  # the article was deleted in the meantime
            raise NotFound()
        job.refresh_from_db()
        return Response(activity.JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=activity.ArticleSubmitSerializer,
        responses={200: activity.ArticleSubmitResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Submit your work on this article: your drafts go to review, and on a blind
        article you now see your teammates' annotations. With no annotation of your own,
        say `nothing_to_add`; an empty submit is a 400."""
        data = activity.ArticleSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = annotation_services.article_submit(
            article=self.get_object(),
            actor=signed_in(request),
            nothing_to_add=data.validated_data["nothing_to_add"],
        )
        return Response({"submitted": count})

    @extend_schema(
        request=SuggestionDecisionSerializer,
        responses={200: SuggestionDecisionResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="decide-suggestions")
    def decide_suggestions(self, request: Request, pk: str | None = None) -> Response:
        """Accept or reject many pending suggestions of this article in one transaction
        (all or none, at most 500): the reader's "Accept all shown" and "Reject all shown"."""
        article = self.get_object()
        data = SuggestionDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = suggestions.suggestion_bulk_decide(
            article=article,
            ids=data.validated_data["ids"],
            verdict=data.validated_data["verdict"],
            actor=signed_in(request),
        )
        rows = annotation_rows(annotation_queryset(request.user).filter(pk__in=changed))
        return Response({"changed": rows})

    @extend_schema(
        responses={200: activity.EventPageSerializer},
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, description="Last event id seen")],
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        """Changes to this article's annotations after the event id `after` (for polling;
        on PostgreSQL the reader streams them instead)."""
        article = self.get_object()
        after = int_field(request.query_params, "after") if "after" in request.query_params else 0
        events = visible_events(Event.objects.filter(article=article, pk__gt=after), request.user)
        rows = list(events.select_related("actor").order_by("id")[:500])
        last = rows[-1].pk if rows else max(after, article_last_event_id(article.pk))
        data = activity.EventSerializer(rows, many=True, context={"viewer": request.user.pk}).data
        return Response({"events": data, "last": last})

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
            fields = jsonld_to_fields(
                request.data, article=article, iris=iris, user=signed_in(request)
            )
            created = annotation_services.annotation_create(
                article=article, author=signed_in(request), **fields
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
