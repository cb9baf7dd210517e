"""Who owns a reference: the owner mark this provider puts on every reference it imports, and the
claims the resources of one deployment make on references.

A resource's owner is its URN (`urn:pulumi:STACK::PROJECT::TYPE::NAME`). Its import is marked
with a reserved tag, `omics-references:owner`, whose value is a digest of the owner and of the
import's clientToken (one generation of that resource's import), then the owner in a readable
form: `3f2a…c1 PROJECT/STACK/NAME`. The mark travels with the reference (HealthOmics copies a
source's tags onto it), so it survives a lost state and a forgotten clientToken. It is never
shown as a tag in outputs, never compared as drift, and never removed by a tag update.
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

    digest: str
    owner: str  # readable: PROJECT/STACK/NAME

    def __str__(self) -> str:
        return self.owner


def readable(owner: str) -> str:
    """`urn:pulumi:STACK::PROJECT::TYPE::NAME` -> `PROJECT/STACK/NAME`, in AWS's tag characters."""
    parts = owner.split("::")
    if len(parts) >= 4 and parts[0].startswith("urn:pulumi:"):
        owner = f"{parts[1]}/{parts[0].removeprefix('urn:pulumi:')}/{parts[-1]}"
    return _UNSAFE.sub("_", owner)


def value(owner: str, token: str) -> str:
    """The mark's tag value for this owner's import made with `token` (its resolved token)."""
    digest = hashlib.sha256(f"{owner}\n{token}".encode()).hexdigest()[:DIGEST_CHARS]
    return f"{digest} {readable(owner)}"[:MAX_VALUE]


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
    digest, _, owner = found.partition(" ")
    return Mark(digest, owner)


def is_ours(mark: Mark | None, owner: str | None, token: str | None) -> bool:
    """True when the mark is the one this owner's import with `token` puts on its references."""
    return (mark is not None and owner is not None and token is not None
            and value(owner, token).partition(" ")[0] == mark.digest)


def same_owner(mark: Mark | None, owner: str | None) -> bool:
    """True when the mark was put by this owner (any generation of its import)."""
    longest = MAX_VALUE - DIGEST_CHARS - 1
    return mark is not None and owner is not None and mark.owner == readable(owner)[:longest]


def user_tags(tags: dict | None) -> dict | None:
    """The tags without the mark (what outputs show and diffs compare); None when none are left."""
    left = {k: v for k, v in (tags or {}).items() if k != KEY}
    return left or None


class Claims:
    """What `diff` and `read` saw of the resources of this deployment (one per provider process):
    the references each resource that stays keeps, so that a delete releases a reference another
    resource keeps and two resources claiming one reference (a state written before owner marks)
    are named; and each resource's current import, so that a replacement that keeps every input
    (`pulumi up --replace`, replaceOnChanges) starts a new generation instead of resuming it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: dict[str, str] = {}
        self._seen: dict[str, str] = {}
        self._current: dict[str, tuple[str | None, str | None]] = {}

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

    def current(self, owner: str, token: str | None, mark: str | None) -> None:
        """Record the import a resource has now (its token and owner mark), seen by `diff`:
        what a replacement of it must not resume."""
        with self._lock:
            self._current[owner] = (token, mark)

    def replacing(self, owner: str) -> tuple[str | None, str | None] | None:
        """(token, owner mark) of the import `diff` saw for this owner, if any."""
        with self._lock:
            return self._current.get(owner)


CLAIMS = Claims()
