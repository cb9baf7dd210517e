"""Run-time controls for tests and demos: import speed, injected faults, and call counts."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

from .exceptions import (
    InternalServerException,
    OmicsError,
    ThrottlingException,
    ValidationException,
)


@dataclass
class Controls:
    """What the endpoint is told to do; all settable at start and through /_emulator/controls."""

    import_seconds: float = 0.0  # an import takes at least this long (0: as fast as it can)
    import_bytes_per_second: float = 0.0  # read sources no faster than this (0: no limit)
    delete_seconds: float = 0.5  # how long a reference stays DELETING
    throttle_rate: float = 0.0  # share of omics calls answered with ThrottlingException
    error_rate: float = 0.0  # share of omics calls answered with InternalServerException
    latency_ms: float = 0.0  # added to every omics call
    seed: int | None = None
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def update(self, changes: dict) -> None:
        """Apply a partial update; unknown names or bad values raise ValidationException."""
        known = {f.name: f.type for f in fields(self) if not f.name.startswith("_")}
        for name, value in changes.items():
            if name not in known:
                raise ValidationException(f"unknown control {name!r}; known: {', '.join(known)}")
            if name == "seed":
                self.seed = None if value is None else int(value)
                self._random.seed(self.seed)
                continue
            number = float(value)
            if number < 0 or (name.endswith("_rate") and number > 1):
                raise ValidationException(f"control {name} out of range: {value!r}")
            setattr(self, name, number)

    def public(self) -> dict:
        """The controls as JSON."""
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def inject_fault(self) -> None:
        """Sleep the added latency, then maybe raise the injected throttle or server error."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        roll = self._random.random()
        if roll < self.throttle_rate:
            raise ThrottlingException("Rate exceeded (fault injected by the local endpoint)")
        if roll < self.throttle_rate + self.error_rate:
            raise InternalServerException("Internal error (fault injected by the local endpoint)")


class CallCounter:
    """Counts omics calls per operation, how many were answered with an error, and the most
    calls of each operation that arrived within any one second."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # arrivals of the last second
        self._peak: Counter[str] = Counter()

    def record(self, operation: str, error: OmicsError | None) -> None:
        """Count one call of `operation` (answered with `error`, if any)."""
        with self._lock:
            now = self._clock()
            self._calls[operation] += 1
            if error is not None:
                self._errors[f"{operation}:{error.code}"] += 1
            recent = self._recent[operation]
            recent.append(now)
            while recent[0] <= now - 1.0:
                recent.popleft()
            self._peak[operation] = max(self._peak[operation], len(recent))

    def snapshot(self) -> dict:
        """{"calls": {op: n}, "errors": {"op:Code": n}, "peak_per_second": {op: n}}."""
        with self._lock:
            return {"calls": dict(self._calls), "errors": dict(self._errors),
                    "peak_per_second": dict(self._peak)}

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._calls.clear()
            self._errors.clear()
            self._recent.clear()
            self._peak.clear()
