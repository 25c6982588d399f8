"""Sign-in, password reset, the team switcher and the API tokens page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from annotations.context_processors import SESSION_TEAM
from annotations.forms import SignInForm, ThrottledPasswordResetForm
from annotations.models import (
    ApiToken,
    Membership,
)
from annotations.services import password_reset, sign_in
from annotations.views.common import team_context


class ThrottledLoginView(auth_views.LoginView):
    """Sign-in through the shared throttle (``services/sign_in.py``): a refused attempt answers
    429 with ``Retry-After``; a successful one makes this browser a known device."""

    form_class = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.refusal is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.retry_after)
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sign_in.remember_device(self.request, response, form.get_user())
        return response


def reset_hours() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset request page, limited per client address (429) and per e-mail address
    (``services/password_reset.py``); the same answer whether or not the address is known."""

    form_class = ThrottledPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]
        return {"reset_hours": reset_hours()}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refusal = password_reset.reset_refusal(request)
        if refusal is not None:
            response = render(
                request,
                self.template_name,
                {"form": self.form_class(), "refusal": refusal},
                status=429,
            )
            response["Retry-After"] = str(refusal.retry_after)
            return response
        return super().post(request, *args, **kwargs)


class ResetPasswordConfirmView(auth_views.PasswordResetConfirmView):
    """Django's new-password page; a new password also ends the account's sign-in back-off
    (the owner of the mailbox has shown who they are)."""

    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        sign_in.sign_in_reset_account(form.user.get_username())
        return response


@login_required
@require_POST
def team_switch(request: HttpRequest) -> HttpResponse:
    try:
        team_id = int(request.POST.get("team", ""))
    except ValueError:
        team_id = 0
    membership = Membership.objects.filter(user=request.user, team_id=team_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that team.")
    else:
        request.session[SESSION_TEAM] = membership.team_id
    target = request.POST.get("next") or reverse("annotations:article-list")
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """The user's API tokens; the page's script creates and revokes them through the API."""
    context = team_context(request)
    context["tokens"] = ApiToken.objects.visible_to(request.user)[:1000]
    context["now"] = timezone.now()
    return render(request, "annotations/tokens.html", context)


# --- Team review and oversight (the data comes from annotations.selectors.oversight) ---
