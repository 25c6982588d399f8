"""gunicorn settings for production: `gunicorn -c newsnotes/gunicorn.conf.py newsnotes.wsgi`.

Threads, not sync workers: on PostgreSQL each open reader page holds a live-update stream.
"""

import gc
import os

bind = os.environ.get("NEWSNOTES_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("NEWSNOTES_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("NEWSNOTES_THREADS", "16"))
# Streams end after five minutes and reconnect; ordinary requests are short.
timeout = 60
graceful_timeout = 30


def post_worker_init(worker: object) -> None:
    # A list of 1,000 annotations allocates tens of thousands of dicts; CPython's default GC
    # thresholds then scan Django's ~130,000 long-lived objects every few requests. Freezing
    # those and raising the young-generation threshold cut the list's CPU time by ~30%
    # (bench/api_throughput.py --tune-gc).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
