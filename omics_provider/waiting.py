"""Polling with backoff against a deadline: how the provider waits for a job."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

INITIAL_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 15.0
GROWTH = 1.5
DEFAULT_WAIT_TIMEOUT_SECONDS = 6 * 3600.0  # a whole-genome import takes minutes; never give up early


@dataclass(frozen=True)
class PollSchedule:
    """Delays that grow from `initial` by `growth` to `cap`, until `timeout` has passed."""

    initial: float = INITIAL_DELAY_SECONDS
    cap: float = MAX_DELAY_SECONDS
    growth: float = GROWTH
    timeout: float = DEFAULT_WAIT_TIMEOUT_SECONDS

    def delays(self) -> Iterator[float]:
        """The infinite sequence of delays (the deadline is the caller's business)."""
        delay = self.initial
        while True:
            yield delay
            delay = min(self.cap, delay * self.growth)


class Deadline:
    """A point in time from a monotonic clock (injectable for tests)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.seconds = seconds

    def remaining(self) -> float:
        return self.started + self.seconds - self.clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def passed(self) -> bool:
        return self.remaining() <= 0
