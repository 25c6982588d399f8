"""gunicorn settings for production:

    gunicorn -c newsnotes/gunicorn.conf.py newsnotes.asgi:application

gunicorn's master manages the worker processes (start, restart, signals, timeouts); each worker
is uvicorn (uvloop and httptools) serving the ASGI application, one event loop per process.
Ordinary requests run their synchronous Django code on a thread of their own for as long as
they last; a live-update stream (Server-Sent Events) is a coroutine that holds no thread and no
database connection of its own, and each worker holds one PostgreSQL LISTEN connection for all
of its streams (annotations/api/livehub.py). docs/deployment.md has the numbers.
"""

import gc
import os
import resource

from uvicorn_worker import UvicornWorker

bind = os.environ.get("NEWSNOTES_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("NEWSNOTES_WORKERS", "2"))
wsgi_app = "newsnotes.asgi:application"  # served when the command line names no application
# A worker's event loop reports to the master every few seconds, streams or not.
timeout = 60
graceful_timeout = 30
# Open connections per worker (streams included); past it uvicorn answers 503.
MAX_CONNECTIONS = int(os.environ.get("NEWSNOTES_MAX_CONNECTIONS", "10000"))


class Worker(UvicornWorker):
    CONFIG_KWARGS = {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "off",  # Django has no lifespan handler
        # REMOTE_ADDR stays the peer's address, as under WSGI; Django reads X-Forwarded-Proto
        # itself when NEWSNOTES_BEHIND_PROXY is set.
        "proxy_headers": False,
        "limit_concurrency": MAX_CONNECTIONS,
        # On shutdown, ordinary requests get this long to finish; open streams are then ended
        # (the browsers reconnect to the next worker within a few seconds).
        "timeout_graceful_shutdown": 10,
    }


worker_class = Worker


def _raise_open_file_limit(wanted: int = 65536) -> None:
    # Each open stream is a socket: the usual soft limit of 1,024 descriptors would cap a
    # worker at about a thousand readers. Raise it (inherited by the workers) toward the hard
    # limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


_raise_open_file_limit(MAX_CONNECTIONS + 1024)


def post_worker_init(worker: object) -> None:
    # A list of 1,000 annotations allocates tens of thousands of dicts; CPython's default GC
    # thresholds then scan Django's ~130,000 long-lived objects every few requests. Freezing
    # those and raising the young-generation threshold cut the list's CPU time by ~30%
    # (bench/api_throughput.py --tune-gc).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
