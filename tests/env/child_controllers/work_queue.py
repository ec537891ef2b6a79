"""The work queue of a child controller: keys due at a time, each at most once.

A key added while queued keeps the earlier of its two times, so a burst of watch events for
one object is one reconcile, and a retry later never delays a change seen now.
"""

from __future__ import annotations

import threading
import time
from typing import Optional

# How often a waiting get() looks at its stop event (a signal handler only sets the event).
STOP_POLL = 0.5


class WorkQueue:
    def __init__(self):
        self._cv = threading.Condition()
        self._due: dict[str, float] = {}

    def add(self, key: str, delay: float = 0.0) -> None:
        when = time.monotonic() + delay
        with self._cv:
            if key not in self._due or when < self._due[key]:
                self._due[key] = when
                self._cv.notify()

    def get(self, stop: threading.Event) -> Optional[str]:
        """The key due first, once it is due; None once stop is set."""
        with self._cv:
            while not stop.is_set():
                wait = STOP_POLL
                if self._due:
                    key, when = min(self._due.items(), key=lambda kv: kv[1])
                    wait = when - time.monotonic()
                    if wait <= 0:
                        del self._due[key]
                        return key
                self._cv.wait(min(wait, STOP_POLL))
        return None
