"""Client-side pacing under HealthOmics' request quotas, applied where calls are made.

Every omics client the provider builds gets a `before-send` hook (botocore's event system, the
way its own retry handler is attached): each HTTP attempt of an operation waits its turn on a
limiter shared by the whole process for that Region and quota (one per operation, but one for
the three import-job operations, which AWS lists in one quota row). No call site can forget it,
and retries are paced too. Quotas are per account and Region; every thread of a provider
process shares them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from omics_rules.quotas import REQUESTS_PER_SECOND, quota_of

# A fifth of each quota is kept free: at most 80 % of the quota's calls leave within any 1.25 s,
# so the endpoint sees more than the quota within one second only when two calls arrive 250 ms
# after their turn (their threads wait for the GIL on a busy machine); other callers and clock
# skew need room too. A quota that refuses bursts (AWS gives rates, not bursts) throttles some
# calls of a burst; botocore retries them.
SHARE_OF_QUOTA = 0.8


class RateLimiter:
    """At most `burst` calls within any `window` seconds, whatever the number of threads: a short
    run of calls leaves at once, a long one at `burst / window` per second."""

    def __init__(self, burst: int, window: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.burst, self.window = max(1, burst), window
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._turns: deque[float] = deque(maxlen=self.burst)  # the last `burst` turns given

    def wait(self) -> float:
        """Block until this caller's turn; the seconds waited."""
        with self._lock:
            now = self._clock()
            turn = now
            if len(self._turns) == self.burst:
                turn = max(now, self._turns[0] + self.window)
            self._turns.append(turn)
        if turn > now:
            self._sleep(turn - now)
        return turn - now


class Pacer:
    """One RateLimiter per (Region, operation), made on first use: `share` of the quota's calls
    (at least one) within any 1/`share` seconds."""

    def __init__(self, quotas: Mapping[str, float] = REQUESTS_PER_SECOND, share: float = SHARE_OF_QUOTA,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.quotas, self.share = dict(quotas), share
        self._clock, self._sleep = clock, sleep
        self._limiters: dict[tuple[str, str], RateLimiter] = {}
        self._lock = threading.Lock()

    def limiter(self, region: str, operation: str) -> RateLimiter | None:
        """The shared limiter for this Region and the operation's quota (the three import-job
        operations share one); None for an unlimited operation."""
        rate = self.quotas.get(operation)
        if rate is None:
            return None
        with self._lock:
            key = (region, quota_of(operation))
            if key not in self._limiters:
                self._limiters[key] = RateLimiter(int(rate * self.share), 1 / self.share,
                                                  self._clock, self._sleep)
            return self._limiters[key]

    def install(self, client: Any) -> None:
        """Pace every request this omics client sends (each attempt, retries included)."""
        region = client.meta.region_name or ""

        def before_send(event_name: str, **_: Any) -> None:
            limiter = self.limiter(region, event_name.rsplit(".", 1)[-1])
            if limiter is not None:
                limiter.wait()

        client.meta.events.register("before-send.omics", before_send)


PROCESS_PACER = Pacer()  # shared by every client of the provider process
