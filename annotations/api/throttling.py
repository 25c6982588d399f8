"""DRF throttles keyed on the client's real address (``lib/client_address.py``), never on a
header the client wrote itself."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from annotations.lib.client_address import address_bucket, client_address


class AddressScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` with the address rule the sign-in pages use."""

    def get_rate(self) -> str | None:
        # Read when asked, not when the class is defined, so that settings apply as they are.
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No rate for the throttle scope {self.scope!r}.")
        rate = rates[self.scope]
        return None if rate is None else str(rate)

    def get_ident(self, request: Any) -> str:
        return address_bucket(client_address(request))
