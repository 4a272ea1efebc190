"""A small per-process cache for rendered parts of pages.

Entries are plain data or rendered HTML, never ORM objects, and every key carries the version stamp
of what the entry was built from (``Organisation.training_version``, ``User.dashboard_version``,
see ``lms.invalidation``), so an entry is never stale: a change makes a new key and the old
entry ages out of the LRU. Each gunicorn process keeps its own; nothing is shared or pickled.

Cached HTML is always the output of an autoescaping template (Markdown only through ``|markdown``,
which sanitises with nh3); the views wrap it in ``Markup`` only so it is not escaped a second time.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from cachetools import LRUCache


class LocalCache:
    _every: "weakref.WeakSet[LocalCache]" = weakref.WeakSet()

    def __init__(self, size: int):
        self._lru: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()
        LocalCache._every.add(self)

    @classmethod
    def clear_all(cls) -> None:
        """Empty every cache of this process (tests measure the cold path with it)."""
        for cache in list(cls._every):
            cache.clear()

    def get(self, key):
        with self._lock:
            return self._lru.get(key)

    def put(self, key, value):
        with self._lock:
            self._lru[key] = value
        return value

    def get_or_make(self, key, make: Callable[[], Any]):
        found = self.get(key)
        return found if found is not None else self.put(key, make())

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()
