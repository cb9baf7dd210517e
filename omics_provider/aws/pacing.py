"""Client-side pacing under HealthOmics' request quotas, applied where calls are made.

Every omics client the provider builds gets botocore hooks (its event system, the way its own
retry handler is attached): each HTTP attempt of an operation takes a slot of a limiter shared by
the whole process for that Region and quota (one per operation, but one for the three import-job
operations, which AWS lists in one quota row) before it is sent (`before-send`), and gives it
back when its answer comes (`response-received`). No call site can forget it, and retries are
paced too. Quotas are per account and Region; every thread of a provider process shares them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from omics_rules.quotas import REQUESTS_PER_SECOND, quota_of

# A fifth of each quota is kept free for other callers: 4 of 5 per second, 8 of 10, and one
# call per 1.25 s of 1 per second.
SHARE_OF_QUOTA = 0.8
# How long a call's slot stays taken when its answer is never seen (an error botocore raises
# before it emits response-received): longer than botocore's 60 s read timeout.
UNANSWERED_SECONDS = 90.0


class RateLimiter:
    """At most `slots` calls within any `window` seconds as the service counts them, whatever the
    threads: a call takes a slot, which is free again `window` seconds after the call's answer
    came back (the service counted the call before it answered), so no delay on the way can
    bunch calls up. A short run of calls leaves at once."""

    def __init__(self, slots: int, window: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None) -> None:
        self.slots, self.window = max(1, slots), window
        self._clock = clock
        self._free_at = [float("-inf")] * self.slots  # when each slot may be taken again
        self._changed = threading.Condition()
        self._pause = sleep or self._changed.wait  # until a slot frees (woken early by an answer)
        self._taken = threading.local()  # the slot of this thread's call in flight

    def wait(self) -> float:
        """Block until a slot is free and take it for this thread's call; the seconds waited."""
        start = now = self._clock()
        with self._changed:
            while True:
                slot = min(range(self.slots), key=self._free_at.__getitem__)
                if self._free_at[slot] <= now:
                    break
                self._pause(self._free_at[slot] - now)
                now = self._clock()
            self._free_at[slot] = now + UNANSWERED_SECONDS
        self._taken.slot = slot
        return now - start

    def answered(self) -> None:
        """This thread's call was answered: its slot is free `window` seconds from now."""
        slot, self._taken.slot = getattr(self._taken, "slot", None), None
        if slot is not None:
            with self._changed:
                self._free_at[slot] = self._clock() + self.window
                self._changed.notify_all()


class Pacer:
    """One RateLimiter per (Region, operation), made on first use: `share` of each quota's calls
    per second (one per 1/(rate x share) seconds where that is less than one)."""

    def __init__(self, quotas: Mapping[str, float] = REQUESTS_PER_SECOND, share: float = SHARE_OF_QUOTA,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quotas, self.share = dict(quotas), share
        self._clock = clock
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
                slots = max(1, int(rate * self.share))
                self._limiters[key] = RateLimiter(slots, slots / (rate * self.share), self._clock)
            return self._limiters[key]

    def install(self, client: Any) -> None:
        """Pace every request this omics client sends (each attempt, retries included)."""
        region = client.meta.region_name or ""

        def before_send(event_name: str, **_: Any) -> None:
            limiter = self.limiter(region, event_name.rsplit(".", 1)[-1])
            if limiter is not None:
                limiter.wait()

        def response_received(event_name: str, **_: Any) -> None:
            limiter = self.limiter(region, event_name.rsplit(".", 1)[-1])
            if limiter is not None:
                limiter.answered()

        client.meta.events.register("before-send.omics", before_send)
        client.meta.events.register("response-received.omics", response_received)


PROCESS_PACER = Pacer()  # shared by every client of the provider process
