"""Sliding-window rate limits kept in memory, e.g. five sign-in attempts a minute per IP+e-mail.

Time comes from the runtime's clock, so tests move it by hand instead of sleeping.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta

from sopdesk.errors import TooManyRequests

MAX_KEYS = 100_000  # beyond this the oldest keys are forgotten, so memory stays bounded


class RateLimit:
    def __init__(self, attempts: int, window: timedelta, what: str = "sign-in attempts") -> None:
        self.attempts = attempts
        self.window = window
        self.what = what  # named in the error: "too many <what>"
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, now: datetime) -> None:
        """Counts an attempt; raises TooManyRequests when the key has used up its window."""
        with self._lock:
            hits = self._window_of(key, now)
            hits.append(now)
            if len(self._hits) > MAX_KEYS:
                self._hits.pop(next(iter(self._hits)))

    def check(self, key: str, now: datetime) -> None:
        """Raises TooManyRequests when the key has used up its window; counts nothing."""
        with self._lock:
            self._window_of(key, now)

    def _window_of(self, key: str, now: datetime) -> deque[datetime]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.attempts:
            wait = int((hits[0] + self.window - now).total_seconds()) + 1
            raise TooManyRequests(f"too many {self.what}; wait {wait} seconds and try again")
        return hits

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)
