"""The wire format of the endpoint's answers: records as API response shapes, filters, pages
and their tokens, byte ranges, and the streamed body of GetReference."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .exceptions import RangeNotSatisfiableException, ValidationException

PART_SIZE = 100 * 1024 * 1024  # GetReference part size (assumed: the read-set part size)

@dataclass(frozen=True)
class FileRange:
    """Bytes [start, end) of a file: the streamed body of a GetReference answer."""

    path: Path
    start: int
    end: int



def time_of(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def fingerprint(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def store_detail(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "arn": row["arn"], "name": row["name"],
        "description": row["description"], "sseConfig": json.loads(row["sse"] or "null"),
        "creationTime": time_of(row["created"]),
    }


def job_summary(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "referenceStoreId": row["store_id"], "roleArn": row["role_arn"],
        "status": row["status"], "creationTime": time_of(row["created"]),
    }


def source_item(row: sqlite3.Row, tags: bool = True) -> dict:
    """A job's source as GetReferenceImportJob answers it (its tags shown or not)."""
    return {
        "sourceFile": row["source_file"], "status": row["status"],
        "statusMessage": row["status_message"], "name": row["name"],
        "description": row["description"], "tags": (json.loads(row["tags"]) or None) if tags else None,
        "referenceId": row["reference_id"],
    }


def reference_item(row: sqlite3.Row) -> dict:
    return {
        "id": row["id"], "arn": row["arn"], "referenceStoreId": row["store_id"],
        "md5": row["md5"], "status": row["status"], "name": row["name"],
        "description": row["description"], "creationTime": time_of(row["created"]),
        "updateTime": time_of(row["updated"]),
    }


def file_info(length: int) -> dict:
    """A reference file's size and parts, as GetReferenceMetadata reports them."""
    return {"totalParts": max(1, -(-length // PART_SIZE)), "partSize": PART_SIZE,
            "contentLength": length}


def filtered(rows: list[sqlite3.Row], params: dict, columns: tuple[str, ...]) -> list[sqlite3.Row]:
    """The rows that match the request's `filter`: equal in each of `columns` it names, and
    created within its createdAfter/createdBefore window."""
    wanted = params.get("filter") or {}
    after, before = wanted.get("createdAfter"), wanted.get("createdBefore")
    return [
        r for r in rows
        if all(not wanted.get(c) or r[c] == wanted[c] for c in columns)
        and (after is None or time_of(r["created"]) >= after)
        and (before is None or time_of(r["created"]) <= before)
    ]


def paginate(items: list, params: dict) -> tuple[list, str | None]:
    """One page of `items` after the opaque nextToken; the token for the next page or None. A
    token serves only the request it came from (the same store and filter): reused with another,
    it is refused rather than answered with a page of something else."""
    size = params.get("maxResults") or 100
    asked = {k: v for k, v in params.items() if k not in ("nextToken", "maxResults")}
    request = hashlib.sha256(fingerprint(asked).encode()).hexdigest()[:16]
    start = 0
    if params.get("nextToken"):
        try:
            decoded = base64.urlsafe_b64decode(params["nextToken"].encode()).decode()
            offset, _, issued_for = decoded.partition(":")
            start = int(offset)
        except ValueError:
            raise ValidationException("nextToken: is not a token this endpoint issued") from None
        if issued_for != request:
            raise ValidationException("nextToken: was issued for another request (another store or "
                                      "filter); list again from the first page")
    end = start + size
    token = base64.urlsafe_b64encode(f"{end}:{request}".encode()).decode() if end < len(items) else None
    return items[start:end], token


def byte_range(spec: str, start: int, end: int) -> tuple[int, int]:
    """Apply a range `a-b`, `a-` or `-n` (the model allows digits and punctuation only, so no
    `bytes=` prefix) inside one part [start, end)."""
    first, dash, last = spec.strip().partition("-")
    size = end - start
    try:
        if not dash or "," in spec:
            raise ValueError
        if first == "":
            lo, hi = max(0, size - int(last)), size - 1
        else:
            lo = int(first)
            hi = int(last) if last else size - 1
    except ValueError:
        raise RangeNotSatisfiableException(f"range {spec!r} is not of the form 'a-b', 'a-' or '-n'") from None
    if lo > hi or lo >= size:
        raise RangeNotSatisfiableException(f"range {spec!r} is outside the part ({size} bytes)")
    return start + lo, start + min(hi, size - 1) + 1
