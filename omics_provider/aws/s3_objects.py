"""What S3 says of each source object, asked the way the engine asks: it checks resources one
at a time, so one HeadObject per source would be one S3 round trip after another for every
source in every preview.

The first source looked up in a folder (the key up to its last `/`) lists the latest versions in
that folder (ListObjectVersions, at most MAX_PAGES pages), and the listing answers once for each
source in the folder, for LISTING_SECONDS: a key asked about again, or after that, lists the
folder afresh, so a caller that asks twice sees what S3 says now. An object the listing does not
show as its latest version, or a folder that cannot be listed (no s3:ListBucketVersions, a
directory bucket, an error) gets a HeadObject. Both give the same version (VersionId,
else ETag) and size, so a token derived from either is the same.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from .service_errors import error_code
from .settings import ConnectionSettings

LISTING_SECONDS = 10.0  # as fresh as a HeadObject made at `check` is when `create` runs
PAGE_KEYS = 1000  # S3's most per page
MAX_PAGES = 5  # keys past 5,000 versions get a HeadObject


@dataclass(frozen=True)
class SourceObject:
    """What S3 says of a source object: `state` is found, missing or unreadable (with `reason`);
    `version` is its VersionId (versioned bucket) or ETag, as `version:...` or `etag:...`;
    `modified`, when it was written (to the second or finer, by the call that read it)."""

    uri: str
    state: str
    version: str | None = None
    size: int | None = None
    reason: str | None = None
    modified: datetime | None = field(default=None, compare=False)


def found(uri: str, version_id: str | None, etag: str | None, size: int | None,
          modified: datetime | None = None) -> SourceObject:
    """A found object, its version named the one way whichever S3 call reported it."""
    if version_id and version_id != "null":
        return SourceObject(uri, "found", f"version:{version_id}", size, modified=modified)
    return SourceObject(uri, "found", f"etag:{(etag or '').strip(chr(34))}", size, modified=modified)


def lookup(settings: ConnectionSettings, s3_uri: str, region: str | None = None) -> SourceObject:
    """What S3 says of the object now: from a fresh listing of its folder, else HeadObject.
    Never raises for an S3 answer."""
    bucket, key, prefix = _parts(s3_uri)
    client = settings.client("s3", region)
    folder = _folder(client, bucket, prefix)
    return folder.latest(client, bucket, key) or head_object(settings, s3_uri, region)


def lookup_now(settings: ConnectionSettings, s3_uris: list[str], region: str | None = None,
               page_keys: int = PAGE_KEYS, max_pages: int = MAX_PAGES) -> list[SourceObject]:
    """What S3 says of each object now, whatever was listed before: one new listing per folder (at
    most `max_pages` pages of `page_keys` keys), HeadObject for an object it does not show. Never
    raises for an S3 answer."""
    client = settings.client("s3", region)
    folders: dict[tuple[str, str], _Folder] = {}
    answers = []
    for uri in s3_uris:
        bucket, key, prefix = _parts(uri)
        folder = folders.get((bucket, prefix))
        if folder is None:
            folder = folders[(bucket, prefix)] = _Folder(prefix, page_keys, max_pages)
            folder._list(client, bucket)
        answers.append(folder.objects.get(key) or head_object(settings, uri, region))
    return answers


def _parts(s3_uri: str) -> tuple[str, str, str]:
    """(bucket, key, folder prefix: the key up to its last `/`, or "") of an s3:// URI."""
    bucket, _, key = s3_uri[len("s3://"):].partition("/")
    return bucket, key, key.rpartition("/")[0] + "/" if "/" in key else ""


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
    return found(s3_uri, head.get("VersionId"), head.get("ETag"), head.get("ContentLength"),
                 head.get("LastModified"))


@dataclass
class _Folder:
    """One folder's listing: the latest version of each key in it, and when it was made."""

    prefix: str
    page_keys: int = PAGE_KEYS
    max_pages: int = MAX_PAGES
    objects: dict[str, SourceObject] = field(default_factory=dict)
    listed_at: float | None = None
    answered: set[str] = field(default_factory=set)  # keys this listing has answered for
    unlistable: bool = False  # refused or failed once: HeadObject from then on
    lock: threading.Lock = field(default_factory=threading.Lock)

    def latest(self, client, bucket: str, key: str) -> SourceObject | None:
        """The key's latest version from a listing at most LISTING_SECONDS old that has not
        answered for this key yet (made now when there is none); None when it cannot say."""
        with self.lock:  # the dynamic provider asks from several threads: list once
            if self.unlistable:
                return None
            if (self.listed_at is None or key in self.answered
                    or time.monotonic() - self.listed_at > LISTING_SECONDS):
                self._list(client, bucket)
            self.answered.add(key)
            return self.objects.get(key)

    def _list(self, client, bucket: str) -> None:
        objects, marker = {}, {}
        try:
            for _ in range(self.max_pages):
                page = client.list_object_versions(Bucket=bucket, Prefix=self.prefix, Delimiter="/",
                                                   MaxKeys=self.page_keys, **marker)
                for version in page.get("Versions", []):
                    if version.get("IsLatest"):
                        uri = f"s3://{bucket}/{version['Key']}"
                        objects[version["Key"]] = found(uri, version.get("VersionId"), version.get("ETag"),
                                                        version.get("Size"), version.get("LastModified"))
                if not page.get("IsTruncated") or not page.get("NextKeyMarker"):
                    break
                # After the key alone: its versions left are older ones (newest come first).
                marker = {"KeyMarker": page["NextKeyMarker"]}
        except (ClientError, BotoCoreError):
            self.unlistable, self.objects = True, {}
            return
        self.objects, self.listed_at, self.answered = objects, time.monotonic(), set()


_LOCK = threading.Lock()
_FOLDERS: dict[tuple, _Folder] = {}


def _folder(client, bucket: str, prefix: str) -> _Folder:
    with _LOCK:
        return _FOLDERS.setdefault((id(client), bucket, prefix), _Folder(prefix))
