"""The pass-through's SigV4 signature equals botocore's for the same request, and its target is
encoded the one way SigV4 canonicalises it."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from unittest import mock

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from omics_emulator.s3_proxy import canonical_target, decode_aws_chunked, sign
from omics_emulator.s3_server import REGION, RootKeys

KEYS = RootKeys("local-s3-abc", "a-secret/with+chars")
NOW = datetime(2026, 11, 29, 12, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "path", "query"), [
    ("/bkt/a%20b%2Bc.fa", "/bkt/a%20b%2Bc.fa", ""),
    ("/bkt/k%C3%A9y!(x)*.fa?versionId=3%2F4&x-id=GetObject", "/bkt/k%C3%A9y%21%28x%29%2A.fa",
     "versionId=3%2F4&x-id=GetObject"),
    ("/bkt?list-type=2&prefix=a%2Fb&delimiter=%2F", "/bkt", "delimiter=%2F&list-type=2&prefix=a%2Fb"),
    ("/bkt/k?uploads", "/bkt/k", "uploads="),
    ("/bkt/k?X-Amz-Signature=abc&X-Amz-Credential=x%2Fy&partNumber=2", "/bkt/k", "partNumber=2"),
    ("/bkt/k?AWSAccessKeyId=x&Signature=s%3D&Expires=1", "/bkt/k", ""),
])
def test_canonical_target(raw: str, path: str, query: str) -> None:
    assert canonical_target(raw) == (path, query)


@pytest.mark.parametrize("method", ["GET", "PUT", "HEAD"])
def test_signature_equals_botocores(method: str) -> None:
    path, query = canonical_target("/bkt/dir/a%20b.fa?versionId=v1")
    headers = {"host": "127.0.0.1:4567", "content-type": "text/plain", "x-amz-meta-team": "genomics  platform"}
    request = AWSRequest(method=method, url=f"http://127.0.0.1:4567{path}?{query}", headers=headers,
                         data=b"ACGT" if method == "PUT" else b"")
    # botocore reads the clock itself; give it the same instant
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW.replace(tzinfo=None)):
        S3SigV4Auth(Credentials(KEYS.access_key, KEYS.secret_key), "s3", REGION).add_auth(request)

    payload_hash = request.headers["X-Amz-Content-SHA256"]  # kept as the client sent it
    ours = sign(method, path, query, {**headers, "x-amz-content-sha256": payload_hash}, KEYS, NOW)
    assert ours["x-amz-date"] == request.headers["X-Amz-Date"]
    assert ours["authorization"] == request.headers["Authorization"]


def test_aws_chunked_decoding_and_its_errors() -> None:
    body = b"5;chunk-signature=ab\r\nhello\r\n3;chunk-signature=cd\r\nabc\r\n0;chunk-signature=ef\r\n" \
           b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    assert b"".join(decode_aws_chunked(io.BytesIO(body))) == b"helloabc"
    with pytest.raises(ValueError, match="ended inside a chunk"):
        b"".join(decode_aws_chunked(io.BytesIO(b"a\r\nshort")))
    with pytest.raises(ValueError, match="does not end in CRLF"):
        b"".join(decode_aws_chunked(io.BytesIO(b"3\r\nabcXY0\r\n\r\n")))
