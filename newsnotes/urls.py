from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations.views import (
    ResetPasswordConfirmView,
    ThrottledLoginView,
    ThrottledPasswordResetView,
    reset_hours,
)
from annotations.views.favicon import favicon

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("annotations.api.urls")),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(extra_context={"reset_hours": reset_hours()}),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        ResetPasswordConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("annotations.urls")),
]

# The API answers in its JSON error shape even where no route matches (annotations.api.errors).
handler400 = "annotations.api.errors.bad_request"
handler404 = "annotations.api.errors.page_not_found"
