"""gunicorn config for ``bench/api_throughput.py --tune-gc``: a what-if, not the app's setup.

Each 1,000-row list allocates tens of thousands of container objects (model instances, their
state, dicts), so CPython's cyclic GC runs many young collections per request and, every few
requests, a full one over the ~130,000 objects Django and its libraries keep alive. Freezing
those once the app is loaded and raising the young-generation threshold removes most of that.
"""

import gc


def post_worker_init(worker: object) -> None:
    gc.collect()
    gc.freeze()  # the app's long-lived objects leave the collector's scans
    gc.set_threshold(50_000, 20, 100)
