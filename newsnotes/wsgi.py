"""WSGI entry point: `gunicorn newsnotes.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
application = get_wsgi_application()
