"""The clientToken: given by the user, or derived from what identifies the import.

Derived from the store, the role and each source's name, file and description, and from the
version of the source object in S3 (VersionId, else ETag) when it can be read, so that a FASTA
overwritten at the same key gives a new token (a replacement in `pulumi preview`). The same
inputs always give the same token.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from .service_errors import error_code
from .settings import ConnectionSettings

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


@dataclass(frozen=True)
class SourceObject:
    """What S3 says of a source object: `state` is found, missing or unreadable (with `reason`);
    `version` is its VersionId (versioned bucket) or ETag, as `version:...` or `etag:...`."""

    uri: str
    state: str
    version: str | None = None
    size: int | None = None
    reason: str | None = None


def head_object(settings: ConnectionSettings, s3_uri: str, region: str | None = None) -> SourceObject:
    """HeadObject of the source: found, missing (S3 says it does not exist), or unreadable (denied,
    or failing after botocore's retries). Never raises for an S3 answer."""
    bucket, _, key = s3_uri[len("s3://"):].partition("/")
    try:
        head = settings.client("s3", region).head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
            return SourceObject(s3_uri, "missing")
        answer = error_code(exc) or "an error"
        return SourceObject(s3_uri, "unreadable", reason=f"HeadObject answered {answer}")
    except BotoCoreError as exc:
        return SourceObject(s3_uri, "unreadable", reason=f"HeadObject failed: {exc}")
    version = head.get("VersionId")
    size = head.get("ContentLength")
    if version and version != "null":
        return SourceObject(s3_uri, "found", f"version:{version}", size)
    return SourceObject(s3_uri, "found", f"etag:{head.get('ETag', '').strip(chr(34))}", size)
