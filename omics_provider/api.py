"""Small HealthOmics calls both resources need: error codes, paging, tag changes, and the
base provider that reads its connection settings from the stack config."""

from __future__ import annotations

import threading
import time

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
from pulumi.dynamic import ConfigureRequest, ResourceProvider

from .settings import ConnectionSettings


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError ('' when absent)."""
    return exc.response.get("Error", {}).get("Code", "")


TRANSIENT_CODES = ("ThrottlingException", "InternalServerException", "ServiceUnavailableException",
                   "RequestTimeoutException", "TooManyRequestsException")


def is_transient(exc: Exception) -> bool:
    """Throttling, a 5xx or a connection failure that outlasted botocore's retries: worth
    trying again later in a long wait, never a reason to fail it."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return isinstance(exc, (ConnectionError, HTTPClientError))


class RateLimiter:
    """At most `per_second` calls per process, spaced evenly, whatever the number of threads."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Block until this caller's turn."""
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + self._interval
        if turn > now:
            time.sleep(turn - now)


# HealthOmics allows 5 Start/Get/List import-job requests per second; the provider process
# (four threads serving every resource of a deployment) stays under that.
IMPORT_JOB_CALLS = RateLimiter(per_second=4.0)


def list_references(omics, store_id: str, name: str | None = None) -> list[dict]:
    """Every reference in the store (all pages), optionally only those with this name."""
    found, token = [], None
    filters = {"filter": {"name": name}} if name else {}
    while True:
        page = omics.list_references(referenceStoreId=store_id, **filters,
                                     **({"nextToken": token} if token else {}))
        found += page.get("references", [])
        token = page.get("nextToken")
        if not token:
            return found


def retag(omics, arn: str, before: dict | None, after: dict | None) -> None:
    """Make the resource's tags go from `before` to `after` (untag removed, tag changed)."""
    before, after = before or {}, after or {}
    removed = [k for k in before if k not in after]
    if removed:
        omics.untag_resource(resourceArn=arn, tagKeys=removed)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        omics.tag_resource(resourceArn=arn, tags=changed)


class ConfiguredProvider(ResourceProvider):
    """A provider whose only state is its connection settings, set by `configure` in the
    provider process (never pickled: the program pickles a fresh instance)."""

    settings = ConnectionSettings()

    def configure(self, req: ConfigureRequest) -> None:
        """Read region, profile and endpoints from the stack config (the keys pulumi-aws uses)."""
        self.settings = ConnectionSettings.from_stack_config(req.config)
