"""Settings for bench/api_throughput.py: the project's settings, unchanged, plus a urlconf
that adds the bare baseline endpoint. Environment (NEWSNOTES_ENV=production, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL ...) is set by the benchmark before Django starts."""

from newsnotes.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_throughput_urls"
