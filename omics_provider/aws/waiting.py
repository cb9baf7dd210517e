"""How the provider waits: a poll delay that grows with the time already waited, and a deadline.

The delay is `fraction` of the time waited so far, kept between `initial` and `cap`: a job that
has run for 40 s is checked again after 4 s. Detection therefore adds at most ~10 % to a job's
length (and at most `cap`), and a 10-minute job costs about 60 polls, not 600.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

INITIAL_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 15.0
FRACTION_OF_ELAPSED = 0.1
BUSY_STORE_DELAY_SECONDS = 1.0  # another import holds the store: ask again soon (Start is 5 TPS)
DEFAULT_WAIT_TIMEOUT_SECONDS = 6 * 3600.0  # a whole-genome import takes minutes; never give up early


@dataclass(frozen=True)
class PollSchedule:
    """Poll delays of `fraction` x time waited, between `initial` and `cap`, until `timeout`."""

    initial: float = INITIAL_DELAY_SECONDS
    cap: float = MAX_DELAY_SECONDS
    fraction: float = FRACTION_OF_ELAPSED
    timeout: float = DEFAULT_WAIT_TIMEOUT_SECONDS

    def delay_at(self, elapsed: float) -> float:
        """The delay before the next poll, `elapsed` seconds into the wait."""
        return min(self.cap, max(self.initial, self.fraction * elapsed))


class Deadline:
    """A point in time from a monotonic clock (injectable for tests)."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.started = clock()
        self.seconds = seconds

    def remaining(self) -> float:
        """Seconds left (negative once passed)."""
        return self.started + self.seconds - self.clock()

    def elapsed(self) -> float:
        """Seconds since the deadline was set."""
        return self.clock() - self.started

    def passed(self) -> bool:
        """True once no time is left."""
        return self.remaining() <= 0

    def sleep_before_next_poll(self, schedule: PollSchedule, sleep: Callable[[float], None]) -> None:
        """Sleep the schedule's delay for now, but not past the deadline."""
        sleep(max(0.05, min(schedule.delay_at(self.elapsed()), self.remaining())))


def attempts(deadline: Deadline, schedule: PollSchedule, sleep: Callable[[float], None]) -> Iterator[int]:
    """Yield once per attempt (0, 1, ...), sleeping the schedule's delay between attempts, and
    stop after the attempt at which the deadline had passed. The caller returns from the loop
    when it is done; falling out of it means the deadline passed."""
    attempt = 0
    while True:
        yield attempt
        if deadline.passed():
            return
        deadline.sleep_before_next_poll(schedule, sleep)
        attempt += 1
