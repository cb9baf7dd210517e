"""The clientToken: given by the user, or derived from what identifies the import.

Derived from the store, the role and each source's name, file and description, and from the
version of the source object in S3 (VersionId, else ETag) when it can be read, so that a FASTA
overwritten at the same key gives a new token (a replacement in `pulumi preview`). The same
inputs always give the same token.

A new import's token (`owned_token`) also names its owner, the resource's URN, and the token
of the import it replaced, if any: two resources, two stacks or a renamed resource never share a
token, while a rerun of the same create always derives the same one. Tokens recorded in existing
states (`derive_token`, without an owner) are kept as they are.
"""

from __future__ import annotations

import hashlib
import json

PREFIX = "pulumi-"
MAX_TOKEN = 127


def derive_token(store_id: str, role_arn: str, sources: list[dict], versions: list[str | None]) -> str:
    """A deterministic token (47 characters) for these inputs."""
    identity = {
        "store": store_id, "role": role_arn,
        "sources": [
            {"name": s.get("name"), "file": s.get("source_file"), "description": s.get("description"),
             "version": version}
            for s, version in zip(sources, versions, strict=True)
        ],
    }
    return _digest(identity)


def owned_token(owner: str, previous: str | None, store_id: str, role_arn: str, sources: list[dict],
                versions: list[str | None]) -> str:
    """A deterministic token (47 characters) for a new import of `owner` (a resource's URN) with
    these inputs, replacing the import that used `previous` (None for the resource's first)."""
    identity = {"owner": owner, "previous": previous, "store": store_id, "role": role_arn,
                "sources": [{"name": s.get("name"), "file": s.get("source_file"),
                             "description": s.get("description"), "version": version}
                            for s, version in zip(sources, versions, strict=True)]}
    return _digest(identity)


def store_token(request: dict) -> str:
    """A deterministic token (47 characters) for a CreateReferenceStore request."""
    return _digest(request)


def _digest(identity: dict) -> str:
    """PREFIX + 40 hex digits of the SHA-256 of the identity's sorted JSON. Never change this:
    a token is how a rerun finds what an earlier run started, in every existing stack."""
    return PREFIX + hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:40]


def restore_token(token: str, generation: int) -> str:
    """The token of the n-th re-import (after references were deleted outside Pulumi)."""
    suffix = f"-r{generation}"
    return token[: MAX_TOKEN - len(suffix)] + suffix
