"""How pages name a person: their full name when they have one, else their username (the
same rule as the API's ``name``, ``rows.user_dict``)."""

from __future__ import annotations

from typing import Any

from django import template

from annotations.rows import user_dict

register = template.Library()


@register.filter
def display_name(user: Any) -> str:
    return str(user_dict(user)["name"]) if user is not None else ""
