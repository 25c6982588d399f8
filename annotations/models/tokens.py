"""API tokens: named, expiring keys of one user, stored hashed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from annotations.querysets import ApiTokenQuerySet


class ApiToken(models.Model):
    """A named API key of one user, for scripts: ``Authorization: Token <key>``.

    Only the key's SHA-256 is stored (the key is 256 random bits, so a fast hash is enough and
    a lookup is one indexed query); the key itself is shown once, when it is created
    (``services/tokens.py``). ``hint`` keeps its first characters so a list can tell tokens
    apart. A token past ``expires_at`` authenticates nobody; ``last_used_at`` is renewed at most
    once a minute."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, help_text="sha256 of the key, hex")
    hint = models.CharField(max_length=12, help_text="the key's first characters")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"
