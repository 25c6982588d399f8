"""The signed-in user of an API request, typed. Every API view requires authentication, so
``request.user`` is a ``User`` by the time a view runs; this says so to the type checker and
refuses, as a 401, if it is ever not (a view opened to anonymous requests by mistake)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated


def signed_in(request: Any) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user
