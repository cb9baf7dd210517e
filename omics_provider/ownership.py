"""Who owns a reference: the owner mark this provider puts on every reference it imports, and the
claims the resources of one deployment make on references.

A resource's owner is its URN (`urn:pulumi:STACK::PROJECT::TYPE::NAME`). Its import is marked
with a reserved tag, `omics-references:owner`, whose value names the import (a digest of the
owner and the clientToken the job was started with), whether a resource has held it yet, and the
owner in a readable form: `P3f2a…c1 PROJECT/STACK/NAME`. A job's sources carry the mark as
*pending* (`P`); once the create that made it returns, the references' mark says *held* (`H`).
A create resumes only a pending import of its own (a rerun after a killed or failed run); an
import a resource has held is never resumed, so a replacement (`pulumi up --replace`,
replaceOnChanges, a rename) always imports anew. The mark travels with the reference
(HealthOmics copies a source's tags onto it), so it survives a lost state and a forgotten
clientToken. It is never shown as a tag in outputs, never compared as drift, and never removed
by a tag update.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

from omics_rules.quotas import MAX_TAGS

KEY = "omics-references:owner"
MAX_USER_TAGS = MAX_TAGS - 1  # one of the 50 a reference may have carries the mark
DIGEST_CHARS = 24
MAX_VALUE = 256  # a tag value's longest
PENDING, HELD = "P", "H"
_UNSAFE = re.compile(r"[^\w .:/=+\-@]")  # AWS's tag character set: letters, digits, spaces, _.:/=+-@


@dataclass(frozen=True)
class Mark:
    """An owner mark as read from a reference's (or a job source's) tags."""

    digest: str  # which import: the owner's, started with one clientToken
    held: bool  # a resource has held it (its create returned)
    owner: str  # readable: PROJECT/STACK/NAME

    def __str__(self) -> str:
        return self.owner


def readable(owner: str) -> str:
    """`urn:pulumi:STACK::PROJECT::TYPE::NAME` -> `PROJECT/STACK/NAME`, in AWS's tag characters."""
    parts = owner.split("::")
    if len(parts) >= 4 and parts[0].startswith("urn:pulumi:"):
        owner = f"{parts[1]}/{parts[0].removeprefix('urn:pulumi:')}/{parts[-1]}"
    return _UNSAFE.sub("_", owner)


def digest(owner: str, token: str) -> str:
    """What names this owner's import started with `token` in the mark."""
    return hashlib.sha256(f"{owner}\n{token}".encode()).hexdigest()[:DIGEST_CHARS]


def value(owner: str, token: str, held: bool = False) -> str:
    """The mark's tag value for this owner's import started with `token`."""
    return f"{HELD if held else PENDING}{digest(owner, token)} {readable(owner)}"[:MAX_VALUE]


def marked(tags: dict | None, owner: str | None, token: str) -> dict | None:
    """The tags to send for a source: the user's, plus the pending mark when there is an owner."""
    if owner is None:
        return tags
    return {**(tags or {}), KEY: value(owner, token)}


def mark_of(tags: dict | None) -> Mark | None:
    """The owner mark among these tags, or None when they carry none."""
    found = (tags or {}).get(KEY)
    if not isinstance(found, str) or " " not in found or found[:1] not in (PENDING, HELD):
        return None
    head, _, owner = found.partition(" ")
    return Mark(head[1:], head[0] == HELD, owner)


def same_import(mark: Mark | None, recorded: str | None) -> bool:
    """True when the mark names the import whose mark value the state recorded (either state)."""
    other = mark_of({KEY: recorded}) if recorded else None
    return mark is not None and other is not None and mark.digest == other.digest


def same_owner(mark: Mark | None, owner: str | None) -> bool:
    """True when the mark was put by this owner (any of its imports)."""
    longest = MAX_VALUE - DIGEST_CHARS - 2
    return mark is not None and owner is not None and mark.owner == readable(owner)[:longest]


def user_tags(tags: dict | None) -> dict | None:
    """The tags without the mark (what outputs show and diffs compare); None when none are left."""
    left = {k: v for k, v in (tags or {}).items() if k != KEY}
    return left or None


class Claims:
    """The references that the resources of this deployment claim, by reference id (one per
    provider process): filled by `diff` for each resource that stays (it is not replaced) and by
    `read`, so that a delete releases a reference another resource keeps, and two resources
    claiming one reference (a state written before owner marks) are named."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, str] = {}
        self._seen: dict[str, str] = {}

    def keep(self, reference_id: str, owner: str) -> str | None:
        """Record that `owner` stays with the reference (`diff`); another owner that claims it
        too, if any."""
        with self._lock:
            other = self._seen.setdefault(reference_id, owner)
            self._kept.setdefault(reference_id, owner)
        return other if other != owner else None

    def see(self, reference_id: str, owner: str) -> str | None:
        """Record that `owner` claims the reference (`read`: it may still be replaced); another
        owner that claims it too, if any."""
        with self._lock:
            other = self._seen.setdefault(reference_id, owner)
        return other if other != owner else None

    def kept_by(self, reference_id: str) -> str | None:
        with self._lock:
            return self._kept.get(reference_id)


CLAIMS = Claims()
