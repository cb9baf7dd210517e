"""S3 at the endpoint's URL is the local S3 server (versitygw, on disk) behind a re-signing,
streaming pass-through: what the provider relies on (HeadObject, MD5 ETags, multipart, ranged
GETs, versions) and what other clients send (aws-chunked bodies, presigned URLs)."""

from __future__ import annotations

import hashlib
import http.client
import io
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta


def test_single_part_etag_is_the_md5_and_ranges_read_slices(aws: LocalAws) -> None:
    bucket = aws.bucket()
    data = generate_fasta(seed=71, contigs=3)
    put = aws.s3.put_object(Bucket=bucket, Key="dir/g 1+x.fa", Body=data)
    head = aws.s3.head_object(Bucket=bucket, Key="dir/g 1+x.fa")
    assert put["ETag"] == head["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert head["ContentLength"] == len(data)
    assert "VersionId" not in head  # an unversioned bucket has no versions
    assert aws.s3.get_object(Bucket=bucket, Key="dir/g 1+x.fa", Range="bytes=5-24")["Body"].read() == data[5:25]
    assert aws.s3.get_object(Bucket=bucket, Key="dir/g 1+x.fa", Range="bytes=-7")["Body"].read() == data[-7:]
    with pytest.raises(ClientError) as missing:
        aws.s3.head_object(Bucket=bucket, Key="absent.fa")
    assert missing.value.response["Error"]["Code"] == "404"


def test_multipart_upload_has_an_s3_style_etag(aws: LocalAws) -> None:
    bucket = aws.bucket()
    parts = [bytes([65 + i]) * (5 * 1024 * 1024) for i in range(2)] + [b"tail"]
    upload = aws.s3.create_multipart_upload(Bucket=bucket, Key="big.fa")["UploadId"]
    etags = [aws.s3.upload_part(Bucket=bucket, Key="big.fa", UploadId=upload, PartNumber=n, Body=part)["ETag"]
             for n, part in enumerate(parts, 1)]
    aws.s3.complete_multipart_upload(Bucket=bucket, Key="big.fa", UploadId=upload, MultipartUpload={
        "Parts": [{"ETag": etag, "PartNumber": n} for n, etag in enumerate(etags, 1)]})
    digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
    assert aws.s3.head_object(Bucket=bucket, Key="big.fa")["ETag"] == f'"{digest}-3"'
    body = aws.s3.get_object(Bucket=bucket, Key="big.fa")["Body"]
    assert hashlib.md5(body.read()).digest() == hashlib.md5(b"".join(parts)).digest()


def test_versioned_bucket_keeps_every_version(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=b">a\nACGT\n")["VersionId"]
    second = aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=b">a\nTTTT\n")["VersionId"]
    assert first and second and first != second
    assert aws.s3.head_object(Bucket=bucket, Key="g.fa")["VersionId"] == second
    assert aws.s3.get_object(Bucket=bucket, Key="g.fa", VersionId=first)["Body"].read() == b">a\nACGT\n"
    listed = aws.s3.list_object_versions(Bucket=bucket)["Versions"]
    assert {(v["VersionId"], v["IsLatest"]) for v in listed} == {(first, False), (second, True)}


def test_buckets_are_made_from_any_region(aws: LocalAws) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=aws.url, region_name="eu-west-1")
    s3.create_bucket(Bucket="made-in-eu-west-1", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="made-in-eu-west-1", Key="k", Body=b"x")
    assert s3.get_object(Bucket="made-in-eu-west-1", Key="k")["Body"].read() == b"x"


def _chunked(payload: bytes, size: int, signed: bool, trailer: str = "") -> bytes:
    """`payload` in aws-chunked encoding (with made-up chunk signatures when `signed`)."""
    ext = ";chunk-signature=" + "0" * 64 if signed else ""
    pieces = [b"%x%s\r\n%s\r\n" % (len(c), ext.encode(), c) for c in
              (payload[i:i + size] for i in range(0, len(payload), size))]
    return b"".join(pieces) + b"0%s\r\n%s\r\n" % (ext.encode(), trailer.encode())


@pytest.mark.parametrize(("sha256", "trailer"), [
    ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", ""),
    ("STREAMING-UNSIGNED-PAYLOAD-TRAILER", "x-amz-checksum-crc32:AAAAAA==\r\n"),
])
def test_aws_chunked_bodies_are_decoded(aws: LocalAws, sha256: str, trailer: str) -> None:
    bucket = aws.bucket()
    payload = generate_fasta(seed=72, contigs=2)
    body = _chunked(payload, 8192, signed=sha256.startswith("STREAMING-AWS4"), trailer=trailer)
    url = urllib.parse.urlsplit(aws.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    headers = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/s3/aws4_request, "
                                "SignedHeaders=host, Signature=" + "0" * 64,
               "x-amz-content-sha256": sha256, "x-amz-date": "20261129T000000Z",
               "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload)),
               "Content-Length": str(len(body))}
    if trailer:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    connection.request("PUT", f"/{bucket}/chunked.fa", body=body, headers=headers)
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()
    assert aws.s3.get_object(Bucket=bucket, Key="chunked.fa")["Body"].read() == payload


def test_a_presigned_url_reads_the_object(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="shared.fa", Body=b">s\nACGT\n")
    url = aws.s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared.fa"})
    with urllib.request.urlopen(url) as answer:
        assert answer.read() == b">s\nACGT\n"


def test_large_upload_streams_through(aws: LocalAws) -> None:
    bucket = aws.bucket()
    data = b">big\n" + b"ACGTTGCAAC" * 6 * 1024 * 1024 + b"\n"  # 60 MiB: a multipart upload by boto3
    aws.s3.upload_fileobj(io.BytesIO(data), bucket, "many.fa")
    assert hashlib.sha256(aws.s3.get_object(Bucket=bucket, Key="many.fa")["Body"].read()).digest() == \
        hashlib.sha256(data).digest()


def test_a_missing_s3_server_is_named_with_what_to_do(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-m", "omics_emulator", "--port", "0", "--data-dir", str(tmp_path / "data"),
         "--s3-server", str(tmp_path / "no-versitygw")], capture_output=True, text=True, timeout=60)
    assert started.returncode != 0
    assert f"the S3 server {tmp_path / 'no-versitygw'} is not an executable file" in started.stderr


# -- keys are opaque strings, as in S3 -------------------------------------------------------

ODD_KEYS = {  # key: body. None of these is a file path the S3 server's backend keeps as it is.
    "a/b.fa": b"plain", "a/./b.fa": b"dot", "a//b.fa": b"double slash", "a/../b.fa": b"dot dot",
    "/leading.fa": b"leading slash", "a/" + "s" * 300 + ".fa": b"300-byte segment",
    "é" * 512: b"1,024 bytes of UTF-8", "a/" + "x" * 197 + ".fa": b"200-byte segment, kept as a path",
}


def test_keys_are_opaque_strings_of_up_to_1024_bytes(aws: LocalAws, endpoint: EmulatorProcess) -> None:
    bucket = aws.bucket()
    for key, body in ODD_KEYS.items():
        aws.s3.put_object(Bucket=bucket, Key=key, Body=body)
    for key, body in ODD_KEYS.items():  # each its own object: none overwrote another
        assert aws.s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body, key
        assert aws.s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(body)
    listed = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert listed == sorted(ODD_KEYS, key=str.encode)
    paged = [o["Key"] for page in aws.s3.get_paginator("list_objects").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 3}) for o in page.get("Contents", [])]
    assert paged == listed
    folders = aws.s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == ["a/../", "a/./", "a//"]
    assert [o["Key"] for o in folders["Contents"]] == ["a/b.fa", "a/" + "s" * 300 + ".fa", "a/" + "x" * 197 + ".fa"]
    versions = aws.s3.list_object_versions(Bucket=bucket, Prefix="a//")["Versions"]
    assert [v["Key"] for v in versions] == ["a//b.fa"]

    with pytest.raises(ClientError) as too_long:
        aws.s3.put_object(Bucket=bucket, Key="k" * 1025, Body=b"x")
    assert too_long.value.response["Error"]["Code"] == "KeyTooLongError"
    assert too_long.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    aws.s3.copy_object(Bucket=bucket, Key="a//copy.fa", CopySource={"Bucket": bucket, "Key": "a//b.fa"})
    assert aws.s3.get_object(Bucket=bucket, Key="a//copy.fa")["Body"].read() == b"double slash"
    gone = aws.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a//copy.fa"}, {"Key": "a/./b.fa"}]})
    assert sorted(d["Key"] for d in gone["Deleted"]) == ["a/./b.fa", "a//copy.fa"]
    assert aws.s3.get_object(Bucket=bucket, Key="a/b.fa")["Body"].read() == b"plain"
    with pytest.raises(ClientError) as missing:
        aws.s3.get_object(Bucket=bucket, Key="a/./b.fa")
    assert missing.value.response["Error"]["Code"] == "NoSuchKey"

    # An ordinary key is the file it always was, so data written by earlier versions reads as before.
    objects = endpoint.data_dir / "s3" / "objects" / bucket
    assert (objects / "a" / "b.fa").read_bytes() == b"plain"
    assert (objects / "a" / ("x" * 197 + ".fa")).read_bytes() == b"200-byte segment, kept as a path"


def test_a_multipart_upload_and_a_versioned_bucket_keep_odd_keys(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    key = "m//" + "p" * 300 + ".fa"
    upload = aws.s3.create_multipart_upload(Bucket=bucket, Key=key)
    assert upload["Key"] == key
    part = aws.s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"one")
    done = aws.s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"],
                                            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["Key"] == key
    second = aws.s3.put_object(Bucket=bucket, Key=key, Body=b"two")
    versions = aws.s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["Key"], v["IsLatest"]) for v in versions] == [(key, True), (key, False)]
    assert versions[0]["VersionId"] == second["VersionId"]
    first = aws.s3.get_object(Bucket=bucket, Key=key, VersionId=versions[1]["VersionId"])
    assert first["Body"].read() == b"one"
