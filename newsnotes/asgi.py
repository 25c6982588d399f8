"""ASGI entry point, for servers that stream (Server-Sent Events)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
application = get_asgi_application()
