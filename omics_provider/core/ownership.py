"""Who owns a reference: the owner mark this provider puts on every reference it imports, and what
one deployment's provider process has seen of the resources in the state.

A resource's owner is its URN (`urn:pulumi:STACK::PROJECT::TYPE::NAME`). Its import is marked
with a reserved tag, `omics-references:owner`, whose value names the import (a digest of the
owner and the clientToken the job was started with) and then the owner in a readable form:
`3f2a…c1 PROJECT/STACK/NAME`. The mark travels with the reference (HealthOmics copies a source's
tags onto it), so it survives a lost state and a forgotten clientToken. It is never shown as a
tag in outputs, never compared as drift, and never removed by a tag update.
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
_UNSAFE = re.compile(r"[^\w .:/=+\-@]")  # AWS's tag character set: letters, digits, spaces, _.:/=+-@


@dataclass(frozen=True)
class Mark:
    """An owner mark as read from a reference's (or a job source's) tags."""

    digest: str  # which import: the owner's, started with one clientToken
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


def value(owner: str, token: str) -> str:
    """The mark's tag value for this owner's import started with `token`."""
    return f"{digest(owner, token)} {readable(owner)}"[:MAX_VALUE]


def marked(tags: dict | None, owner: str | None, token: str) -> dict | None:
    """The tags to send for a source: the user's, plus the mark when there is an owner."""
    if owner is None:
        return tags
    return {**(tags or {}), KEY: value(owner, token)}


def mark_of(tags: dict | None) -> Mark | None:
    """The owner mark among these tags, or None when they carry none."""
    found = (tags or {}).get(KEY)
    if not isinstance(found, str) or " " not in found:
        return None
    head, _, owner = found.partition(" ")
    return Mark(head, owner)


def same_import(mark: Mark | None, recorded: str | None) -> bool:
    """True when the mark names the import whose mark value the state recorded."""
    other = mark_of({KEY: recorded}) if recorded else None
    return mark is not None and other is not None and mark.digest == other.digest


def same_owner(mark: Mark | None, owner: str | None) -> bool:
    """True when the mark was put by this owner (any of its imports)."""
    longest = MAX_VALUE - DIGEST_CHARS - 1
    return mark is not None and owner is not None and mark.owner == readable(owner)[:longest]


def user_tags(tags: dict | None) -> dict | None:
    """The tags without the mark (what outputs show and diffs compare); None when none are left."""
    left = {k: v for k, v in (tags or {}).items() if k != KEY}
    return left or None


class Claims:
    """What this deployment's provider process has seen of the resources in the state (one per
    process; the engine starts one for each deployment):
    - the references each resource claims: from `diff` for each resource that stays (it is not
      replaced) and from `read`, so that a delete releases a reference another resource keeps,
      and two resources claiming one reference (a state written before owner marks) are named;
    - the owners whose state `check` compared against: a create for one of them replaces that
      resource's import (the engine checks a replacement's inputs again as a new resource's);
    - the references a create returned from a job it did not start: a resource created here
      holds them, so a delete here leaves them in place (a targeted `--replace` gives the
      provider no sign of what it replaces, so its create may take over the same import)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, str] = {}
        self._seen: dict[str, str] = {}
        self._in_state: set[str] = set()
        self._made: set[str] = set()

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

    def in_state(self, owner: str) -> None:
        """Record that the state holds a resource of this owner (`check` compared against it)."""
        with self._lock:
            self._in_state.add(owner)

    def has_state(self, owner: str) -> bool:
        with self._lock:
            return owner in self._in_state

    def made(self, reference_ids: list[str]) -> None:
        """Record the references a create took over: a resource created in this deployment holds them."""
        with self._lock:
            self._made.update(reference_ids)

    def was_made(self, reference_id: str) -> bool:
        with self._lock:
            return reference_id in self._made


CLAIMS = Claims()
