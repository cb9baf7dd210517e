"""S3 keys as opaque strings on a server that keeps objects as files.

versitygw's posix backend turns a key into a file path: a segment over 255 bytes cannot be a file
name, `a/./b` and `a//b` are cleaned into `a/b`, and nothing stops a key over S3's 1,024 bytes.
So the endpoint stores a key the file system would change under another name, which clients
never see:

- an ordinary key (every segment 1 to SEGMENT_BYTES bytes, none `.` or `..`; a trailing `/` for a
  folder marker is fine) is stored as itself, so data already on disk keeps its place;
- any other key is stored under RESERVED as the hex of its UTF-8 bytes, cut into segments
  (`c...` for each whole one, `z...` for the last), so it is never cleaned or refused, and never
  a folder of another key;
- a key over MAX_KEY_BYTES is refused with S3's KeyTooLongError.

Listings of a bucket that holds such keys are answered by the endpoint (`listing`): both areas
listed whole from the server, the stored names turned back into keys, and then S3's prefix,
delimiter, marker and page rules applied. A key of earlier data that began with RESERVED would
now be out of reach; no ordinary key can name the area.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

MAX_KEY_BYTES = 1024  # S3's limit on a key (UTF-8 bytes)
SEGMENT_BYTES = 200  # longest segment stored as itself: 255 is the file system's, less room for versions
RESERVED = ".~opaque-keys"
_CHUNK = SEGMENT_BYTES - 1  # hex digits per stored segment, after its `c` or `z`
NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_ENTRIES = ("Contents", "Version", "DeleteMarker")
_ENCODED_KEY = re.compile(rf"<Key>({re.escape(RESERVED)}/[cz0-9a-f/]+)</Key>")


class KeyTooLong(ValueError):
    """A key over MAX_KEY_BYTES."""


def is_ordinary(key: str) -> bool:
    """True for a key the server keeps as a file path unchanged."""
    segments = key.split("/")
    if key.endswith("/") and len(segments) > 1:
        segments.pop()  # a folder marker `a/b/`
    return segments[0] != RESERVED and all(
        s not in ("", ".", "..") and len(s.encode()) <= SEGMENT_BYTES for s in segments)


def stored(key: str) -> str:
    """The name the server keeps `key` under (KeyTooLong past S3's limit)."""
    if len(key.encode()) > MAX_KEY_BYTES:
        raise KeyTooLong(key)
    if is_ordinary(key):
        return key
    digits = key.encode().hex()
    chunks = [digits[i:i + _CHUNK] for i in range(0, len(digits), _CHUNK)] or [""]
    return "/".join([RESERVED, *("c" + c for c in chunks[:-1]), "z" + chunks[-1]])


def client_key(name: str) -> str:
    """The key a stored name stands for (itself, outside RESERVED)."""
    if not name.startswith(RESERVED + "/"):
        return name
    return bytes.fromhex("".join(s[1:] for s in name[len(RESERVED) + 1:].split("/"))).decode()


def decode_keys(xml: bytes) -> bytes:
    """An XML answer (an error, a multipart upload, a DeleteObjects result) with each stored
    name in a <Key> turned back into its key."""
    def key(match: re.Match) -> str:
        return "<Key>" + escape(client_key(match[1])) + "</Key>"
    return _ENCODED_KEY.sub(key, xml.decode()).encode() if RESERVED.encode() in xml else xml


def encode_delete_keys(xml: bytes) -> bytes | None:
    """A DeleteObjects request body with each <Key> stored name; None when none changes."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None  # the server says what is wrong with it
    changed = False
    for node in root.iter():
        if node.tag.rsplit("}", 1)[-1] == "Key" and node.text and stored(node.text) != node.text:
            node.text, changed = stored(node.text), True
    return ElementTree.tostring(root, xml_declaration=True, encoding="UTF-8") if changed else None


# -- listings ---------------------------------------------------------------------------------

def listing_kind(query: str) -> str | None:
    """v1, v2 or versions for a ListObjects, ListObjectsV2 or ListObjectVersions query string."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    if "versions" in params:
        return "versions"
    if params.get("list-type") == "2":
        return "v2"
    others = set(params) - {"prefix", "delimiter", "marker", "max-keys", "encoding-type"}
    return "v1" if not others else None


Fetch = Callable[[dict[str, str]], bytes]  # one page of the server's listing for these parameters


def has_encoded(fetch: Fetch) -> bool:
    """True when the bucket holds any key stored under RESERVED."""
    try:
        root = ElementTree.fromstring(fetch({"list-type": "2", "prefix": RESERVED + "/", "max-keys": "1"}))
    except OSError:  # no such bucket, say: the listing itself will be answered so
        return False
    return root.find(f"{{{NS}}}Contents") is not None


def listing(kind: str, bucket: str, query: str, fetch: Fetch) -> bytes:
    """The answer to a listing of `kind` with the client's `query`, made from the server's
    listings of both areas (paged through whole)."""
    params = {**dict(parse_qsl(query, keep_blank_values=True)), "_bucket": bucket}
    prefix, delimiter = params.get("prefix", ""), params.get("delimiter", "")
    most = min(int(params.get("max-keys") or 1000), 1000)
    entries = [e for e in _all(kind, prefix, fetch) + _all(kind, RESERVED + "/", fetch)
               if e[0].startswith(prefix)]
    entries.sort(key=lambda e: e[0].encode())  # stable: versions of a key stay newest first
    after, version_after = _start(kind, params)
    shown: list[tuple[str, ElementTree.Element | None]] = []  # (key, entry) or (common prefix, None)
    truncated = False
    for key, entry in entries[_start_index(entries, after, version_after):]:
        group = _group(key, prefix, delimiter)
        if group is not None and (group.encode() <= after.encode() or shown[-1:] == [(group, None)]):
            continue  # rolled up on an earlier page, or just now
        if len(shown) == most:
            truncated = True
            break
        shown.append((key, entry) if group is None else (group, None))
    return _render(kind, params, shown, truncated)


Entry = tuple[str, ElementTree.Element]


def _start_index(entries: list[Entry], after: str, version_after: str | None) -> int:
    """Where a page starting after key `after` (and its version `version_after`) begins."""
    if version_after is not None:
        for i, (key, entry) in enumerate(entries):
            if key == after and _version_id(entry) == version_after:
                return i + 1
    return next((i for i, (key, _) in enumerate(entries) if key.encode() > after.encode()), len(entries))


def _all(kind: str, prefix: str, fetch: Fetch) -> list[Entry]:
    """Every entry (key, element) the server lists under `prefix`, outside RESERVED unless the
    prefix is RESERVED's, keys decoded."""
    params = {"prefix": prefix, "encoding-type": "url", "max-keys": "1000"}
    if kind == "v2":
        params["list-type"] = "2"
    if kind == "versions":
        params["versions"] = ""
    found = []
    while True:
        root = ElementTree.fromstring(fetch(params))
        for entry in root:
            if entry.tag.rsplit("}", 1)[-1] in _ENTRIES:
                name = unquote(entry.findtext(f"{{{NS}}}Key") or "")
                if name.startswith(RESERVED + "/") == prefix.startswith(RESERVED + "/"):
                    found.append((client_key(name), entry))
        if root.findtext(f"{{{NS}}}IsTruncated") != "true":
            return found
        if kind == "v2":
            params["continuation-token"] = root.findtext(f"{{{NS}}}NextContinuationToken") or ""
        elif kind == "versions":
            params["key-marker"] = unquote(root.findtext(f"{{{NS}}}NextKeyMarker") or "")
            params["version-id-marker"] = root.findtext(f"{{{NS}}}NextVersionIdMarker") or ""
        else:
            params["marker"] = unquote(root.findtext(f"{{{NS}}}NextMarker") or found[-1][0])


def _start(kind: str, params: dict[str, str]) -> tuple[str, str | None]:
    """The key the page starts after, and for versions the version id within it (None: after
    every version of that key)."""
    if kind == "v2":
        token = params.get("continuation-token")
        return (base64.urlsafe_b64decode(token).decode() if token else params.get("start-after", "")), None
    if kind == "versions":
        return params.get("key-marker", ""), params.get("version-id-marker") or None
    return params.get("marker", ""), None


def _group(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `key` rolls up into, or None."""
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return None if at < 0 else key[:at + len(delimiter)]


def _version_id(entry: ElementTree.Element | None) -> str | None:
    return None if entry is None else entry.findtext(f"{{{NS}}}VersionId")


def _render(kind: str, params: dict[str, str], shown: list, truncated: bool) -> bytes:
    """The listing's XML, keys url-encoded when the client asked for that."""
    url = params.get("encoding-type") == "url"

    def text(value: str) -> str:
        return quote(value, safe="/") if url else value

    tag = "ListVersionsResult" if kind == "versions" else "ListBucketResult"
    root = ElementTree.Element(f"{{{NS}}}{tag}")

    def add(name: str, value: str | None) -> None:
        if value is not None:
            ElementTree.SubElement(root, f"{{{NS}}}{name}").text = value

    add("Name", params.get("_bucket"))
    add("Prefix", text(params.get("prefix", "")))
    add("MaxKeys", params.get("max-keys") or "1000")
    add("Delimiter", text(params["delimiter"]) if params.get("delimiter") else None)
    add("IsTruncated", "true" if truncated else "false")
    add("EncodingType", "url" if url else None)
    last = shown[-1] if shown else None
    if kind == "v2":
        add("KeyCount", str(len(shown)))
        add("ContinuationToken", params.get("continuation-token"))
        add("StartAfter", text(params["start-after"]) if params.get("start-after") else None)
        if truncated and last:
            add("NextContinuationToken", base64.urlsafe_b64encode(last[0].encode()).decode())
    elif kind == "versions":
        add("KeyMarker", text(params.get("key-marker", "")))
        add("VersionIdMarker", params.get("version-id-marker", ""))
        if truncated and last:
            add("NextKeyMarker", text(last[0]))
            add("NextVersionIdMarker", _version_id(last[1]) or "")
    else:
        add("Marker", text(params.get("marker", "")))
        if truncated and last and params.get("delimiter"):
            add("NextMarker", text(last[0]))
    for key, entry in shown:
        if entry is None:
            holder = ElementTree.SubElement(root, f"{{{NS}}}CommonPrefixes")
            ElementTree.SubElement(holder, f"{{{NS}}}Prefix").text = text(key)
            continue
        entry.find(f"{{{NS}}}Key").text = text(key)
        root.append(entry)
    ElementTree.register_namespace("", NS)
    return ElementTree.tostring(root, xml_declaration=True, encoding="UTF-8")
