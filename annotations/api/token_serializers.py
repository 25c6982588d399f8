"""API token shapes: the script sign-in (`POST /api/auth/token/`) and the tokens a user names,
lists and revokes (`/api/tokens/`)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from annotations.models import ApiToken

User = get_user_model()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1000, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, default="script", help_text="The new token's name."
    )
    expires_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the token stops working; 30 days from now if left out, never if null.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: shown this once, never stored.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """One of the user's tokens; the key itself only in the answer to its creation."""

    expired = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "hint", "created_at", "expires_at", "last_used_at", "expired"]
        read_only_fields = ["id", "hint", "created_at", "last_used_at", "expired"]
        extra_kwargs = {"expires_at": {"required": False, "allow_null": True}}

    def get_expired(self, token: ApiToken) -> bool:
        return token.expires_at is not None and token.expires_at <= timezone.now()


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once, never stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = [*ApiTokenSerializer.Meta.read_only_fields, "key"]


# --- History, notifications, events ------------------------------------------------------
