"""S3 requests at the endpoint's URL, passed through to the local S3 server as streams.

Clients sign with whatever keys they have; the S3 server accepts only its root keys. So each
request is signed again (SigV4, header form) with those keys and sent on with its body as it
arrives; the answer comes back the same way. Neither side is ever held whole in memory. The
payload hash the client sent is kept, so the server still checks the body against it. Bodies in
aws-chunked encoding (signed chunks, or unsigned with a trailing checksum) are decoded on the way,
since their chunk signatures were made with the client's keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from . import s3_keys
from .s3_server import REGION, RootKeys, S3Storage

CHUNK = 1024 * 1024
UNSIGNED = "UNSIGNED-PAYLOAD"
# Headers that belong to one hop, or to the client's own signature.
_NOT_FORWARDED = {"host", "authorization", "connection", "keep-alive", "expect", "transfer-encoding",
                  "x-amz-date", "x-amz-security-token", "proxy-connection", "te", "upgrade"}
_PRESIGN_QUERY = {"x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires",
                  "x-amz-signedheaders", "x-amz-signature", "x-amz-security-token",
                  "awsaccesskeyid", "signature", "expires"}  # the last three: signature version 2
_AWS_CHUNKED = {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}
# Headers about a request's body (dropped with a CreateBucket body).
_DESCRIBE_THE_BODY = ("content-", "x-amz-checksum-", "x-amz-sdk-checksum-", "x-amz-decoded-content-")
# One hop's headers, and those the endpoint's own HTTP server always sends.
_NOT_RELAYED = {"connection", "keep-alive", "transfer-encoding", "server", "date"}


def _uri_encode(text: str, slash: bool) -> str:
    return quote(text, safe="-_.~/" if slash else "-_.~")


def canonical_target(raw_uri: str) -> tuple[str, str]:
    """(path, query) of a raw request target, each encoded the one way SigV4 canonicalises it,
    without the presigned-URL signature parameters."""
    raw_path, _, raw_query = raw_uri.partition("?")
    path = _uri_encode(unquote(raw_path), slash=True)
    pairs = []
    for item in filter(None, raw_query.split("&")):
        key, _, value = item.partition("=")
        key, value = unquote(key.replace("+", " ")), unquote(value.replace("+", " "))
        if key.lower() not in _PRESIGN_QUERY:
            pairs.append((_uri_encode(key, slash=False), _uri_encode(value, slash=False)))
    return path, "&".join(f"{k}={v}" for k, v in sorted(pairs))


def sign(method: str, path: str, query: str, headers: dict[str, str], keys: RootKeys,
         now: datetime) -> dict[str, str]:
    """`headers` (lower-case names, with host and x-amz-content-sha256) plus x-amz-date and a
    SigV4 Authorization for the S3 server. Signs host, content-type, content-md5 and x-amz-*."""
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {**headers, "x-amz-date": stamp}
    signed = sorted(name for name in headers if name in ("host", "content-type", "content-md5")
                    or name.startswith("x-amz-"))
    canonical = "\n".join([
        method, path, query, *(f"{name}:{' '.join(headers[name].split())}" for name in signed), "",
        ";".join(signed), headers["x-amz-content-sha256"]])
    scope = f"{day}/{REGION}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + keys.secret_key).encode()
    for part in (day, REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={keys.access_key}/{scope}, "
                                f"SignedHeaders={';'.join(signed)}, Signature={signature}")
    return headers


def decode_aws_chunked(stream) -> Iterator[bytes]:
    """The payload of an aws-chunked body (`size[;chunk-signature=...]` CRLF data CRLF ..., a
    zero-size chunk, optional trailers, CRLF), at most CHUNK bytes at a time."""
    while True:
        line = stream.readline(4096)
        if not line.endswith(b"\r\n"):
            raise ValueError("aws-chunked body: a chunk header does not end in CRLF")
        size = int(line.split(b";", 1)[0], 16)
        if size == 0:
            while stream.readline(4096) not in (b"\r\n", b""):  # trailers: checksums of the payload
                pass
            return
        left = size
        while left:
            data = stream.read(min(left, CHUNK))
            if not data:
                raise ValueError("aws-chunked body ended inside a chunk")
            left -= len(data)
            yield data
        if stream.read(2) != b"\r\n":
            raise ValueError("aws-chunked body: a chunk does not end in CRLF")


def _request_body(environ: dict, headers: dict[str, str]) -> Iterable[bytes] | None:
    """The body to send on, adjusting `headers` to it; None when there is none."""
    stream = environ["wsgi.input"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if _creates_bucket(environ):
        # A CreateBucketConfiguration names a LocationConstraint; the S3 server serves one Region
        # and refuses any other, while a client in eu-west-1 must name eu-west-1. Buckets are
        # created without one (GetBucketLocation answers the server's Region).
        for name in [n for n in headers if n.startswith(_DESCRIBE_THE_BODY)]:
            del headers[name]
        headers["x-amz-content-sha256"] = UNSIGNED
        for _ in _read(stream, length):  # read and dropped: the connection may carry another request
            pass
        return None
    if headers.get("x-amz-content-sha256") in _AWS_CHUNKED:
        headers.pop("content-length", None)  # the encoded length; the payload's is announced apart
        if "x-amz-decoded-content-length" in headers:
            headers["content-length"] = headers.pop("x-amz-decoded-content-length")
        others = [e for e in map(str.strip, headers.pop("content-encoding", "").split(","))
                  if e and e != "aws-chunked"]
        if others:
            headers["content-encoding"] = ",".join(others)
        headers.pop("x-amz-trailer", None)
        headers["x-amz-content-sha256"] = UNSIGNED
        return decode_aws_chunked(stream)
    if length:
        return _read(stream, length)
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":  # werkzeug de-chunks it
        headers.pop("content-length", None)
        return _read(stream, None)
    return None


def _creates_bucket(environ: dict) -> bool:
    """A path-style CreateBucket: PUT /bucket with no subresource."""
    path = environ.get("PATH_INFO", "").strip("/")
    return environ["REQUEST_METHOD"] == "PUT" and bool(path) and "/" not in path and not environ.get(
        "QUERY_STRING")


def _read(stream, length: int | None) -> Iterator[bytes]:
    left = length
    while left is None or left > 0:
        data = stream.read(CHUNK if left is None else min(CHUNK, left))
        if not data:
            return
        if left is not None:
            left -= len(data)
        yield data


class S3Proxy:
    """The WSGI side of the pass-through to one S3 server."""

    def __init__(self, server: S3Storage) -> None:
        self.server = server

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/"
        bucket, key = _bucket_and_key(raw_uri)
        path, query = canonical_target(raw_uri)
        headers = _forwarded_headers(environ)
        headers.setdefault("x-amz-content-sha256", UNSIGNED)
        try:
            if key is not None:  # the key as the server stores it (s3_keys)
                path = _uri_encode(f"/{bucket}/{s3_keys.stored(key)}", slash=True)
            _stored_copy_source(headers)
            kind = s3_keys.listing_kind(query) if method == "GET" and bucket and key is None else None
            if kind and s3_keys.has_encoded(self._fetcher(bucket)):
                return _xml(start_response, s3_keys.listing(kind, bucket, query, self._fetcher(bucket)))
            if method == "POST" and key is None and "delete=" in query.split("&"):
                _stored_delete_keys(environ, headers)
            body = _request_body(environ, headers)
        except s3_keys.KeyTooLong:
            return _error(start_response, 400, "KeyTooLongError", "Your key is too long")
        except ValueError as exc:
            return _error(start_response, 400, "IncompleteBody", str(exc))
        names_keys = key is None or method == "POST" or "upload" in query  # not an object's own bytes
        return self._send(method, path, query, headers, body, start_response, names_keys)

    def _fetcher(self, bucket: str) -> s3_keys.Fetch:
        """One page of the server's own listing of `bucket` for these query parameters."""
        def fetch(params: dict[str, str]) -> bytes:
            query = "&".join(f"{_uri_encode(k, slash=False)}={_uri_encode(v, slash=False)}"
                             for k, v in sorted(params.items()))
            answer: list = []
            body = b"".join(self._send("GET", f"/{bucket}", query, {"x-amz-content-sha256": UNSIGNED}, None,
                                       lambda status, headers, *_: answer.append(status)))
            if not answer[0].startswith("200"):
                raise OSError(f"listing {bucket} answered {answer[0]}: {body[:200]!r}")
            return body
        return fetch

    def _send(self, method: str, path: str, query: str, headers: dict[str, str], body: Iterable[bytes] | None,
              start_response, names_keys: bool = False) -> Iterable[bytes]:
        """Sign and send one request to the server; relay its answer (with stored names in an
        XML answer turned back into keys, when `names_keys`: not an object's own bytes)."""
        host, port = self.server.host, self.server.port
        headers["host"] = f"{host}:{port}"
        if body is not None and "content-length" not in headers:
            headers["transfer-encoding"] = "chunked"
        signed = sign(method, path, query, headers, self.server.keys, datetime.now(UTC))
        connection = http.client.HTTPConnection(host, port, timeout=300)
        try:
            connection.putrequest(method, path + (f"?{query}" if query else ""),
                                  skip_host=True, skip_accept_encoding=True)
            for name, value in signed.items():
                connection.putheader(name, value)
            connection.endheaders()
            chunked = "transfer-encoding" in signed
            for data in body or ():
                connection.send(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            if chunked:
                connection.send(b"0\r\n\r\n")
            answer = connection.getresponse()
        except ValueError as exc:  # a malformed aws-chunked body, found while sending it
            connection.close()
            return _error(start_response, 400, "IncompleteBody", str(exc))
        except OSError as exc:
            connection.close()
            return _error(start_response, 503, "ServiceUnavailable",
                          f"the local S3 server at {host}:{port} did not answer: {exc}")
        relayed = [(k, v) for k, v in answer.getheaders() if k.lower() not in _NOT_RELAYED]
        xml = "xml" in (answer.getheader("content-type") or "")
        if (names_keys or answer.status >= 300) and method != "HEAD" and xml:
            data = s3_keys.decode_keys(b"".join(_relay(answer, connection)))
            start_response(f"{answer.status} {answer.reason}",
                           [*[(k, v) for k, v in relayed if k.lower() != "content-length"],
                            ("Content-Length", str(len(data)))])
            return [data]
        start_response(f"{answer.status} {answer.reason}", relayed)
        return _relay(answer, connection)


def _bucket_and_key(raw_uri: str) -> tuple[str, str | None]:
    """The bucket and key a path-style request names (key None for a bucket or the service)."""
    bucket, slash, key = unquote(raw_uri.partition("?")[0]).lstrip("/").partition("/")
    return bucket, (key if slash and key else None)


def _stored_copy_source(headers: dict[str, str]) -> None:
    """x-amz-copy-source (`[/]bucket/key[?versionId=...]`, URL-encoded) naming the stored key."""
    source = headers.get("x-amz-copy-source")
    if not source:
        return
    path, mark, version = source.partition("?")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if s3_keys.stored(key) != key:
        headers["x-amz-copy-source"] = quote(f"/{bucket}/{s3_keys.stored(key)}", safe="/") + mark + version


def _stored_delete_keys(environ: dict, headers: dict[str, str]) -> None:
    """A DeleteObjects body naming each stored key (its checksum headers made again)."""
    body = b"".join(_read(environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)))
    changed = s3_keys.encode_delete_keys(body) if body else None
    if changed is not None:
        body = changed
        for name in [n for n in headers if n.startswith(("x-amz-checksum-", "x-amz-sdk-checksum-"))]:
            del headers[name]
        headers["content-md5"] = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
        headers["x-amz-content-sha256"] = UNSIGNED
    headers["content-length"] = str(len(body))
    environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))


def _xml(start_response, body: bytes) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _forwarded_headers(environ: dict) -> dict[str, str]:
    """The request's headers (lower-case names) but those of one hop or the client's signature."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        name = name.replace("_", "-").lower()
        if name not in _NOT_FORWARDED:
            headers[name] = value
    return headers


def _relay(answer: http.client.HTTPResponse, connection: http.client.HTTPConnection) -> Iterator[bytes]:
    try:
        while data := answer.read(CHUNK):
            yield data
    finally:
        connection.close()


def _error(start_response, status: int, code: str, message: str) -> list[bytes]:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error>").encode()
    start_response(f"{status} {http.client.responses[status]}",
                   [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]
