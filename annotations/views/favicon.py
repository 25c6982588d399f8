"""``/favicon.ico``: browsers and feed readers ask for it whatever the page links; it answers
with a permanent redirect to the SVG icon that ``base.html`` links, instead of a 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    return HttpResponsePermanentRedirect(static("annotations/favicon.svg"))
