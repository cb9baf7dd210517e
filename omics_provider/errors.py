"""What the provider raises; each message names the resource, field or job id, and what to do.

    OmicsProviderError
    ├── ImportFailed        the job ended FAILED, CANCELLED or COMPLETED_WITH_FAILURES
    ├── WaitTimedOut        the deadline passed while the job still ran (a rerun resumes it)
    ├── TokenConflict       the clientToken was used before for a different import
    ├── ReferenceInUse      DeleteReference answered ConflictException
    ├── StoreNotEmpty       the store still holds references the provider does not own
    └── AccessDenied        the caller may not call an operation (not retried)
"""

from __future__ import annotations


class OmicsProviderError(Exception):
    """Base class: `fmt` is filled from the keyword arguments, which are kept as attributes."""

    fmt = "{message}"

    def __init__(self, **context: object) -> None:
        self.context = context
        for key, value in context.items():
            setattr(self, key, value)
        super().__init__(self.fmt.format(**context))


class ImportFailed(OmicsProviderError):
    fmt = ("Reference import job {job_id} in store {store_id} ended {status}: {failures}. "
           "{cleanup}Fix the sources, or set client_token to a new value to import again.")


class WaitTimedOut(OmicsProviderError):
    fmt = ("Reference import job {job_id} in store {store_id} is still {status} after {seconds:.0f} s "
           "(wait_timeout_seconds). The job keeps running in HealthOmics: run `pulumi up` again to "
           "resume waiting for the same job (same clientToken {token}); no second import starts.")


class TokenConflict(OmicsProviderError):
    fmt = ("clientToken {token!r} was already used in store {store_id} for something else "
           "({detail}). Nothing was changed. Set client_token to a new value, or restore the previous "
           "inputs.")


class ReferenceInUse(OmicsProviderError):
    fmt = ("Reference {reference_id} ({name}) in store {store_id} cannot be deleted: {detail}. "
           "Delete what uses it (read sets, other stores' links) first, then run again.")


class StoreNotEmpty(OmicsProviderError):
    fmt = ("Reference store {store_id} still holds {count} reference(s) not managed here "
           "({names}). Delete them, or keep the store with the `retain_on_delete` option.")


class AccessDenied(OmicsProviderError):
    fmt = ("Access denied: {operation} was refused ({detail}). Grant the identity that runs Pulumi "
           "the IAM action {action}{resource}{also}{where}, then run again. Nothing was changed by "
           "this call.")
