from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from annotations.api import live, team_views, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.register("teams", views.TeamViewSet, basename="team")
router.register("teams", team_views.TeamReportViewSet, basename="team-report")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("users", views.UserViewSet, basename="user")
router.register("articles", views.ArticleViewSet, basename="article")
router.register("entities", views.EntityViewSet, basename="entity")
router.register("mentions", views.MentionViewSet, basename="mention")
router.register("tags", views.TagViewSet, basename="tag")
router.register("annotations", views.AnnotationViewSet, basename="annotation")
router.register("replies", views.ReplyViewSet, basename="reply")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("jobs", views.JobViewSet, basename="job")
router.register("notifications", views.NotificationViewSet, basename="notification")

# The W3C collection lives at a file-like IRI, without the router's trailing slash.
article_jsonld = views.ArticleViewSet.as_view(
    {"get": "annotations_jsonld", "post": "annotations_jsonld"},
    pagination_class=None,
    filterset_class=None,
)

urlpatterns = [
    path("articles/<int:pk>/annotations.jsonld", article_jsonld, name="article-annotations-jsonld"),
    path("auth/token/", views.token_obtain, name="token-obtain"),
    path("me/", views.me, name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("articles/<int:pk>/stream/", live.article_stream, name="article-stream"),
    path("", include(router.urls)),
]
