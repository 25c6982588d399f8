"""Forms of the account pages: sign-in and password reset, each throttled by
``services/sign_in.py`` and ``services/password_reset.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from annotations.services import password_reset, sign_in
from annotations.tasks import send_email


class SignInForm(AuthenticationForm):
    """Django's sign-in form, checking the password through the shared throttle: while the
    attempt must wait, the password is not checked at all and ``refusal`` says for how long."""

    refusal: sign_in.Refusal | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            if self.request is None:
                raise ValueError("SignInForm counts attempts per client: pass it the request.")
            try:
                self.user_cache = sign_in.sign_in_authenticate(
                    request=self.request, username=username, password=password
                )
            except sign_in.SignInRefused as refused:
                self.refusal = refused.refusal
                raise forms.ValidationError(refused.refusal.message, code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form; the view checks the address limit first, and the e-mail is sent
    only while that address (known or not) is under its own limit."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = self.cleaned_data["email"]
        if password_reset.reset_allowed_for_email(email):
            super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # Composed here, sent by the worker: see services/password_reset.py.
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = (
            loader.render_to_string(html_email_template_name, context)
            if html_email_template_name
            else None
        )
        send_email.enqueue(
            subject=subject, body=body, from_email=from_email, to=[to_email], html=html
        )
