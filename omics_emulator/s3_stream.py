"""Plain S3 GetObject answered as a stream from moto's own object buffer.

moto's GetObject copies the whole object into memory (even for a Range), so a 1 GiB source
would cost the endpoint 1 GiB. moto keeps each object in a SpooledTemporaryFile (on disk past a
few MiB); reading that buffer in chunks under the object's lock keeps memory flat. Anything
unusual (conditional or SSE-C headers, subresources, virtual-host style) is left to moto.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import parse_qs, unquote

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

CHUNK = 1024 * 1024
_PLAIN_QUERY = {"x-id", "versionId"}
_LEFT_TO_MOTO = ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
                 "HTTP_IF_UNMODIFIED_SINCE", "HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_CUSTOMER_ALGORITHM")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def stream_get_object(environ: dict, start_response) -> Iterable[bytes] | None:
    """Answer a plain path-style GetObject as a stream; None when moto should answer it."""
    if environ["REQUEST_METHOD"] != "GET" or any(h in environ for h in _LEFT_TO_MOTO):
        return None
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    bucket, _, key_name = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    if not key_name or not set(query) <= _PLAIN_QUERY:
        return None
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    try:
        key = backend.get_object(bucket, unquote(key_name), version_id=query.get("versionId", [None])[0])
    except Exception:  # missing bucket or version: moto answers with the right S3 error
        return None
    if key is None or type(key).__name__ != "FakeKey":  # delete markers and the like
        return None
    size = key.size
    start, end = 0, size
    status = "200 OK"
    headers = {**key.response_dict, "Accept-Ranges": "bytes",
               "Content-Type": key.metadata.get("Content-Type", "binary/octet-stream")}
    match = _RANGE.match(environ.get("HTTP_RANGE", ""))
    if environ.get("HTTP_RANGE"):
        if not match or (match[1] == "" and match[2] == ""):
            return None
        if match[1] == "":
            start = max(0, size - int(match[2]))
        else:
            start = int(match[1])
            end = min(size, int(match[2]) + 1) if match[2] else size
        if start >= end:
            return None  # moto answers InvalidRange
        status = "206 Partial Content"
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["content-length"] = str(end - start)
    start_response(status, list(headers.items()))
    return _chunks(key, start, end)


def _chunks(key, start: int, end: int) -> Iterator[bytes]:
    offset = start
    while offset < end:
        with key.lock:
            key._value_buffer.seek(offset)
            chunk = key._value_buffer.read(min(CHUNK, end - offset))
        if not chunk:
            return
        offset += len(chunk)
        yield chunk
