"""Settings for annotations/nlp, read from Django when it is configured, else the environment.

annotations/nlp also runs outside Django (benchmarks, scripts, the NLP tests with
``-p no:django``), so it never requires settings, but when a settings module is configured its
values win over the environment.
"""

from __future__ import annotations

import os


def setting(name: str) -> str | None:
    """The Django setting ``name`` if Django is configured and sets it, else ``$name``."""
    return _django_setting(name) or os.environ.get(name) or None


def _django_setting(name: str) -> str | None:
    try:
        from django.conf import settings
    except ImportError:  # Django is a project dependency, but this module must not need it
        return None
    if not (settings.configured or os.environ.get("DJANGO_SETTINGS_MODULE")):
        return None
    value = getattr(settings, name, None)
    return str(value) if value else None
