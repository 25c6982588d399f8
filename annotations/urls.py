from django.urls import path

from annotations import views

app_name = "annotations"

urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("articles/<int:pk>/", views.article_read, name="article-read"),
    path("articles/<int:pk>/diff/", views.article_diff, name="article-diff"),
    path("import/", views.import_page, name="import"),
    path("entities/", views.entity_list, name="entity-list"),
    path("entities/<int:pk>/", views.entity_detail, name="entity-detail"),
    path("figures/", views.figures_page, name="figures"),
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("team/", views.team_page, name="team"),
    path("feeds/", views.feeds_page, name="feeds"),
    path("team/switch/", views.team_switch, name="team-switch"),
    path("review/", views.review_queue, name="review-queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("agreement/", views.agreement, name="agreement"),
    path("agreement.csv", views.agreement_csv, name="agreement-csv"),
    path("trash/", views.trash, name="trash"),
    path("search/", views.search_page, name="search"),
    path("screening/", views.screening_page, name="screening"),
    path("screening/<int:pk>/", views.screening_page, name="screening-detail"),
    path("accounts/tokens/", views.tokens_page, name="tokens"),
    path("watchlists/", views.watchlists_page, name="watchlists"),
    path("analyses/", views.analyses_page, name="analyses"),
    path("analyses/<int:pk>/", views.analysis_page, name="analysis"),
    path("network/", views.network_page, name="network"),
]
