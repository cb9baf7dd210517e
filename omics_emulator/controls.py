"""Run-time controls for tests and demos: import speed, injected faults, the answers AWS does
not document, request quotas, and call counts."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import Field, asdict, dataclass, field, fields

from omics_rules.quotas import quota_of

from .exceptions import (
    AccessDeniedException,
    InternalServerException,
    OmicsError,
    RequestTimeoutException,
    ThrottlingException,
    ValidationException,
)

# How StartReferenceImportJob answers while another import runs in the store: refused with one
# of its modelled error codes, or accepted and held SUBMITTED until the store is free ("queue").
# AWS documents the rule (one import at a time per store), not the answer.
BUSY_ANSWERS = ("ServiceQuotaExceededException", "ValidationException", "ThrottlingException",
                "InternalServerException", "queue")
# How a reused clientToken with other parameters is answered: the original job or store, as many
# AWS services do (the default; a modelled answer), or ConflictException (not modelled here).
TOKEN_REUSE_ANSWERS = ("original", "conflict")
# Whether Start/Get/List import jobs (one row of AWS's quota page) share one budget or count alone.
IMPORT_JOB_QUOTAS = ("shared", "per_operation")
# Whether a quota lets its second's calls come together ("allowed": at most the rate within any
# one second) or only spaced ("refused": each call at least 1/rate after the last one let in, a
# token bucket that holds one call). AWS gives the rate, not the burst.
QUOTA_BURSTS = ("allowed", "refused")
# Whether a store may hold two ACTIVE references of one name (AWS does not say).
SAME_NAME_ANSWERS = ("allowed", "refused")
# Whether GetReferenceImportJob shows each source's tags (the model has the member; AWS's
# examples show none).
JOB_SOURCE_TAGS = ("shown", "omitted")


@dataclass
class Controls:
    """What the endpoint is told to do; all settable at start and through /_emulator/controls."""

    import_seconds: float = 0.0  # an import takes at least this long (0: as fast as it can)
    import_bytes_per_second: float = 0.0  # read sources no faster than this (0: no limit)
    delete_seconds: float = 0.5  # how long a reference stays DELETING
    deleted_seconds: float = 0.0  # then how long it is still answered, as DELETED (0: gone at once)
    deleted_blocks_store: bool = True  # whether DELETED references keep their store from being deleted
    throttle_rate: float = 0.0  # share of omics calls answered with ThrottlingException
    error_rate: float = 0.0  # share of omics calls answered with InternalServerException
    latency_ms: float = 0.0  # added to every omics call
    seed: int | None = None
    request_quotas: bool = True  # HealthOmics' documented requests per second, per operation and Region
    busy_answer: str = field(default="ServiceQuotaExceededException", metadata={"choices": BUSY_ANSWERS})
    token_reuse: str = field(default="original", metadata={"choices": TOKEN_REUSE_ANSWERS})
    import_job_quota: str = field(default="shared", metadata={"choices": IMPORT_JOB_QUOTAS})
    quota_bursts: str = field(default="allowed", metadata={"choices": QUOTA_BURSTS})
    job_invisible_seconds: float = 0.0  # Get/List import jobs do not see a job this young
    # "refused" FAILs the second source of a name
    same_name_references: str = field(default="allowed", metadata={"choices": SAME_NAME_ANSWERS})
    job_source_tags: str = field(default="shown", metadata={"choices": JOB_SOURCE_TAGS})
    strict_formats: bool = False  # FAIL sources without a FASTA extension, and plain (not bgzip) gzip
    token_memory_seconds: float = 0.0  # an import job's clientToken is forgotten after this long (0: never)
    deny_operations: list[str] = field(default_factory=list)  # answered AccessDeniedException
    timeout_operations: list[str] = field(default_factory=list)  # answered RequestTimeoutException
    in_use_references: dict[str, str] = field(default_factory=dict)  # reference id -> what uses it
    # s3://bucket/key -> the size S3's HeadObject reports for it (a stand-in for a huge object)
    object_sizes: dict[str, int] = field(default_factory=dict)
    unreadable_objects: list[str] = field(default_factory=list)  # s3:// URIs HeadObject answers 403
    # buckets whose ListObjectVersions answers 403 (a caller without s3:ListBucketVersions)
    unlistable_buckets: list[str] = field(default_factory=list)
    # endpoint seconds per wall second: the waits set in seconds above (import, delete, deleted,
    # latency, read rate, token memory, visibility lag) pass this many times faster
    time_scale: float = 1.0
    _random: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def update(self, changes: dict) -> None:
        """Apply a partial update; unknown names or bad values raise ValidationException."""
        known = {f.name: f for f in fields(self) if not f.name.startswith("_")}
        for name, value in changes.items():
            if name not in known:
                raise ValidationException(f"unknown control {name!r}; known: {', '.join(known)}")
            setattr(self, name, _parsed(known[name], value))
            if name == "seed":
                self._random.seed(self.seed)

    def public(self) -> dict:
        """The controls as JSON."""
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def wall(self, seconds: float) -> float:
        """How many wall seconds `seconds` of the endpoint's time last, at the current time_scale."""
        return seconds / self.time_scale

    def inject_fault(self, operation: str, caller: str) -> None:
        """Sleep the added latency, then raise what this operation is told to answer, if anything
        (a denial names the `caller`'s ARN, as AWS does)."""
        if self.latency_ms:
            time.sleep(self.wall(self.latency_ms / 1000))
        if operation in self.deny_operations:
            raise AccessDeniedException(
                f"User: {caller} is not authorized to perform: "
                f"omics:{operation} (denied by the local endpoint's deny_operations control)")
        if operation in self.timeout_operations:
            raise RequestTimeoutException(
                f"{operation} timed out (the local endpoint's timeout_operations control)")
        roll = self._random.random()
        if roll < self.throttle_rate:
            raise ThrottlingException("Rate exceeded (fault injected by the local endpoint)")
        if roll < self.throttle_rate + self.error_rate:
            raise InternalServerException("Internal error (fault injected by the local endpoint)")


def _parsed(spec: Field, value: object) -> object:
    """A control's value in the type its field declares, or ValidationException naming the control."""
    name, kind, choices = spec.name, spec.type, spec.metadata.get("choices")
    if choices is not None:
        if value not in choices:
            raise ValidationException(f"control {name} must be one of {', '.join(choices)}, not {value!r}")
        return value
    if kind == "int | None":
        return None if value is None else int(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValidationException(f"control {name} must be true or false, not {value!r}")
        return value
    if kind == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationException(f"control {name} must be a list of strings")
        return list(value)
    if kind.startswith("dict[str, "):
        values = int if kind == "dict[str, int]" else str
        if not isinstance(value, dict) or not all(isinstance(v, values) and not isinstance(v, bool)
                                                  for v in value.values()):
            raise ValidationException(f"control {name} must map strings to {values.__name__} values")
        if values is int and any(v < 0 for v in value.values()):
            raise ValidationException(f"control {name} must map to sizes of 0 or more")
        return {str(k): v for k, v in value.items()}
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationException(f"control {name} must be a number, not {value!r}") from None
    if number < 0 or (name.endswith("_rate") and number > 1) or (name == "time_scale" and number == 0):
        raise ValidationException(f"control {name} out of range: {value!r}")
    return number


class RequestQuotas:
    """HealthOmics' request rates per account, Region and operation (or quota row): past the rate
    within any one second, or (without bursts) sooner than 1/rate after the last call let in, a
    call is answered ThrottlingException."""

    def __init__(self, rates: dict[str, float], clock: Callable[[], float] = time.monotonic) -> None:
        self.rates, self._clock = rates, clock
        self._lock = threading.Lock()
        self._recent: dict[tuple[str, str], deque[float]] = defaultdict(deque)

    def admit(self, region: str, operation: str, shared: bool = True, bursts: bool = True) -> None:
        """Count this call against its quota (its row's when `shared`), or raise
        ThrottlingException when the second's quota is spent (or, without `bursts`, when the
        last call let in was less than 1/rate ago)."""
        rate = self.rates.get(operation)
        if rate is None:
            return
        quota = quota_of(operation, shared)
        with self._lock:
            now = self._clock()
            recent = self._recent[(region, quota)]
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= rate or (not bursts and recent and now - recent[-1] < 1.0 / rate):
                together = f" (with the other import-job operations: {quota})" if quota != operation else ""
                raise ThrottlingException(
                    f"Rate exceeded: {operation} allows {rate:g} requests per second in {region}{together}")
            recent.append(now)


class CallCounter:
    """Counts omics calls per operation, how many were answered with an error, and the most
    calls of each operation that arrived within any one second; and apart, the S3 reads of
    source objects (HeadObject, ListObjectVersions)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._calls: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._recent: dict[str, deque[float]] = defaultdict(deque)  # arrivals of the last second
        self._peak: Counter[str] = Counter()
        self._s3_reads: Counter[str] = Counter()

    def record_s3_read(self, operation: str) -> None:
        """Count one S3 HeadObject or ListObjectVersions."""
        with self._lock:
            self._s3_reads[operation] += 1

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
        """{"calls": {op: n}, "errors": {"op:Code": n}, "peak_per_second": {op: n},
        "s3_reads": {op: n}}."""
        with self._lock:
            return {"calls": dict(self._calls), "errors": dict(self._errors),
                    "peak_per_second": dict(self._peak), "s3_reads": dict(self._s3_reads)}

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._calls.clear()
            self._errors.clear()
            self._recent.clear()
            self._peak.clear()
            self._s3_reads.clear()
