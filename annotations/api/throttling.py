"""DRF throttles keyed on the client's real address (``lib/client_address.py``), never on a
header the client wrote itself."""

from __future__ import annotations

from typing import Any

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from annotations.lib.client_address import address_bucket, client_address


class AddressScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` with the address rule the sign-in pages use."""

    @property
    def THROTTLE_RATES(self) -> dict[str, str | None]:
        # Read when asked, not when the class is defined, so that settings apply as they are.
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request: Any) -> str:
        return address_bucket(client_address(request))
