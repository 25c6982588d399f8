"""ASGI entry point, what production serves (`gunicorn -c newsnotes/gunicorn.conf.py
newsnotes.asgi:application`: uvicorn workers, docs/deployment.md).

Under ASGI, Django runs a request's synchronous code (most middleware, sync views, the ORM) on a
thread of its own, which lives until the response ends. For a Server-Sent Events stream that is
minutes of an idle thread. Here each request gets a ``RequestThread`` instead: the same single
thread (asgiref's ``ThreadSensitiveContext(executor=...)``), started on first use, which a
streaming view gives back once its set-up is done (``annotations/api/live.py``); a later call
(the response's close) starts a fresh one for the moment it takes.
"""

import os
import threading
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsnotes.settings")
django_application = get_asgi_application()

# The scope key under which a view finds its RequestThread (annotations/api/live.py reads it).
REQUEST_THREAD = "newsnotes.request_thread"


class RequestThread(Executor):
    """One request's thread for its synchronous code, started on first use and released on
    demand. It runs one call at a time, as asgiref requires of a thread-sensitive executor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="newsnotes-request")
            return self._pool.submit(fn, *args, **kwargs)

    def release(self) -> None:
        """Let the thread end once it is idle; call only when nothing of the request is left
        on it (its database connections closed)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        await django_application(scope, receive, send)  # Django refuses lifespan and websockets
        return
    thread = RequestThread()
    try:
        async with ThreadSensitiveContext(executor=thread):
            await django_application({**scope, REQUEST_THREAD: thread}, receive, send)
    finally:
        thread.shutdown(wait=False)
