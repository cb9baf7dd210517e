"""Reference mechanics both resources use, as plain functions over an omics client: metadata,
status, listing (botocore's paginator), tag changes, and delete-and-wait."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from botocore.exceptions import ClientError

from ..aws.service_errors import error_code, error_message
from ..aws.waiting import Deadline, PollSchedule, attempts
from ..errors import OmicsProviderError, ReferenceInUse
from .values import GONE

DELETE_WAIT_SECONDS = 600.0  # how long deleted references may stay DELETING
DELETE_POLLS = PollSchedule(initial=0.5, cap=5.0)


def metadata(omics, store_id: str, reference_id: str) -> dict | None:
    """GetReferenceMetadata, or None when the reference does not exist."""
    try:
        return omics.get_reference_metadata(referenceStoreId=store_id, id=reference_id)
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def status(omics, store_id: str, reference_id: str) -> str:
    """The reference's status; DELETED when it no longer exists."""
    meta = metadata(omics, store_id, reference_id)
    return "DELETED" if meta is None else meta.get("status", "ACTIVE")


def list_references(omics, store_id: str, name: str | None = None) -> list[dict]:
    """Every reference in the store (all pages), optionally only those with this name."""
    filters = {"filter": {"name": name}} if name else {}
    pages = omics.get_paginator("list_references").paginate(referenceStoreId=store_id, **filters)
    return [ref for page in pages for ref in page.get("references", [])]


def retag(omics, arn: str, before: dict | None, after: dict | None) -> None:
    """Make the resource's tags go from `before` to `after` (untag removed, tag changed)."""
    before, after = before or {}, after or {}
    removed = [k for k in before if k not in after]
    if removed:
        omics.untag_resource(resourceArn=arn, tagKeys=removed)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        omics.tag_resource(resourceArn=arn, tags=changed)


def delete_and_wait(omics, store_id: str, references: Sequence[tuple[str, str | None]],
                    sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic,
                    wait_seconds: float = DELETE_WAIT_SECONDS) -> None:
    """Delete each (reference id, name) and wait until all are DELETING or gone. Ones already
    gone are fine; one that something uses raises ReferenceInUse and deletes nothing further."""
    for reference_id, name in references:
        try:
            omics.delete_reference(referenceStoreId=store_id, id=reference_id)
        except ClientError as exc:
            if error_code(exc) == "ResourceNotFoundException":
                continue
            if error_code(exc) == "ConflictException":
                raise ReferenceInUse(reference_id=reference_id, name=name, store_id=store_id,
                                     detail=error_message(exc)) from None
            raise
    pending = [reference_id for reference_id, _ in references]
    for _ in attempts(Deadline(wait_seconds, clock), DELETE_POLLS, sleep):
        pending = [r for r in pending if status(omics, store_id, r) not in GONE]
        if not pending:
            return
    raise OmicsProviderError(message=(
        f"References {', '.join(pending)} in store {store_id} were asked to be deleted but are "
        f"still there after {wait_seconds:.0f} s. Run again to check on them."))
