"""Failed-login throttle: too many wrong passwords lock a user name, and a client address.

Each attempt counts as a failure from the moment it starts (so parallel guesses count too)
and is forgiven for that name when it succeeds. A name with ``per_user`` failures in the
window, or an address with ``per_address``, is refused, even with the right password, until
its oldest failure leaves the window. State is per process, in memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 20_000  # names and addresses remembered at most (the oldest are forgotten)


class LoginThrottle:
    """Counts failed logins per user name and per client address in a sliding window.

    Args:
        per_user: Failures that lock a name.
        per_address: Failures that lock an address.
        window_s: The window (and so the longest lockout), in seconds.
        clock: Monotonic seconds (tests pass their own).
    """

    def __init__(self, per_user: int, per_address: int, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"user": per_user, "address": per_address}
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def locked_for(self, name: str, address: str) -> float:
        """Seconds until ``name`` from ``address`` may try again (0: it may try now)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for key in (("user", name), ("address", address)):
                times = self._recent(key, now)
                if len(times) >= self.limits[key[0]]:
                    wait = max(wait, self.window_s - (now - times[-self.limits[key[0]]]))
        return wait

    def begin(self, name: str, address: str) -> bool:
        """Start an attempt: False when locked; else it counts as failed until it succeeds."""
        if self.locked_for(name, address):
            return False
        now = self.clock()
        with self._lock:
            for key in (("user", name), ("address", address)):
                self._failures.setdefault(key, deque()).append(now)
            while len(self._failures) > MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))
        return True

    def succeeded(self, name: str, address: str) -> None:
        """The attempt was right: forget the name's failures and this attempt's address mark."""
        with self._lock:
            self._failures.pop(("user", name), None)
            times = self._failures.get(("address", address))
            if times:
                times.pop()
