from django.conf import settings
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotations.api import live
from annotations.api.views import (
    accounts,
    analyses,
    annotations,
    archive,
    articles,
    claims,
    discussion,
    entities,
    feeds,
    figures,
    grading,
    jobs,
    judgements,
    network,
    notes,
    notifications,
    screenings,
    search,
    tags,
    team_reports,
    teams,
    tokens,
    watchlists,
)

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("teams", teams.TeamViewSet, basename="team")
router.register("teams", team_reports.TeamReportViewSet, basename="team-report")
router.register("memberships", teams.MembershipViewSet, basename="membership")
router.register("users", accounts.UserViewSet, basename="user")
router.register("articles", articles.ArticleViewSet, basename="article")
router.register("entities", entities.EntityViewSet, basename="entity")
router.register("mentions", entities.MentionViewSet, basename="mention")
router.register("judgements", judgements.EntityJudgementViewSet, basename="judgement")
router.register("figures", figures.FigureViewSet, basename="figure")
router.register("tags", tags.TagViewSet, basename="tag")
router.register("annotations", annotations.AnnotationViewSet, basename="annotation")
router.register("replies", discussion.ReplyViewSet, basename="reply")
router.register("reviews", discussion.ReviewViewSet, basename="review")
router.register("notes", notes.ArticleNoteViewSet, basename="note")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("notifications", notifications.NotificationViewSet, basename="notification")
router.register("tokens", tokens.ApiTokenViewSet, basename="token")
router.register("feeds", feeds.FeedViewSet, basename="feed")
router.register("archive", archive.ArchiveRecordViewSet, basename="archive-record")
router.register("screenings", screenings.ScreeningViewSet, basename="screening")
router.register("watchlists", watchlists.WatchlistViewSet, basename="watchlist")
router.register("claims", claims.ClaimClusterViewSet, basename="claim")
router.register("claim-appearances", claims.ClaimAppearanceViewSet, basename="claim-appearance")
router.register("claim-judgements", claims.ClusterJudgementViewSet, basename="claim-judgement")
router.register("analyses", analyses.AnalysisViewSet, basename="analysis")
router.register("relations", network.RelationViewSet, basename="relation")
router.register("source-grades", grading.SourceGradeViewSet, basename="source-grade")

# The W3C collection lives at a file-like IRI, without the router's trailing slash.
article_jsonld = articles.ArticleViewSet.as_view(
    {"get": "annotations_jsonld", "post": "annotations_jsonld"},
    pagination_class=None,
    filterset_class=None,
)

# Swagger UI: its start-up script from a URL of its own (the split view), not inline, so the
# site's script-src holds; its stylesheet draws icons from data: URLs.
api_docs = csp_override({**settings.SECURE_CSP, "img-src": [CSP.SELF, "data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema")
)

# The result file at a file-like address, without the router's trailing slash.
screening_csv = screenings.ScreeningViewSet.as_view({"get": "results_csv"})
analysis_csv = analyses.AnalysisViewSet.as_view({"get": "export_csv"})
analysis_json = analyses.AnalysisViewSet.as_view({"get": "export_json"})

urlpatterns = [
    path("screenings/<int:pk>/results.csv", screening_csv, name="screening-results-csv"),
    path("analyses/<int:pk>/export.csv", analysis_csv, name="analysis-export-csv"),
    path("analyses/<int:pk>/export.json", analysis_json, name="analysis-export-json"),
    path("articles/<int:pk>/annotations.jsonld", article_jsonld, name="article-annotations-jsonld"),
    path("auth/token/", accounts.token_obtain, name="token-obtain"),
    path("me/", accounts.me, name="me"),
    path("search/", search.search_view, name="search"),
    path("network/", network.network_view, name="network"),
    path("network/edges/", network.network_edge_view, name="network-edges"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    path("articles/<int:pk>/stream/", live.article_stream, name="article-stream"),
    path("annotations/<int:pk>/claim/", claims.annotation_claim, name="annotation-claim"),
    path(
        "annotations/<int:pk>/claim/adopt/",
        claims.annotation_claim_adopt,
        name="annotation-claim-adopt",
    ),
    path(
        "annotations/<int:pk>/credibility/",
        grading.AnnotationCredibilityView.as_view(),
        name="annotation-credibility",
    ),
    path("", include(router.urls)),
]
