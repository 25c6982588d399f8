from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotations.views import ThrottledLoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("annotations.api.urls")),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("annotations.urls")),
]

# The API answers in its JSON error shape even where no route matches (annotations.api.errors).
handler400 = "annotations.api.errors.bad_request"
handler404 = "annotations.api.errors.page_not_found"
