"""WSGI entry point, for `manage.py runserver` and WSGI servers. Production serves
`newsnotes.asgi` (see newsnotes/gunicorn.conf.py); under WSGI reader pages poll for live updates
instead of streaming them."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
application = get_wsgi_application()
