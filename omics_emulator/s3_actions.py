"""The IAM checks an S3 request (path-style) needs, as S3 authorizes them: object operations on
`arn:aws:s3:::BUCKET/KEY`, bucket operations on `arn:aws:s3:::BUCKET`, ListBuckets on `*`.

    HeadObject, GetObject (and CopyObject's or UploadPartCopy's source)   s3:GetObject
        ... of a given versionId                                          s3:GetObjectVersion
    PutObject, CopyObject, multipart create/upload part/complete          s3:PutObject
    DeleteObject (versionId: s3:DeleteObjectVersion); DeleteObjects       s3:DeleteObject per key
    AbortMultipartUpload                                                  s3:AbortMultipartUpload
    ListParts                                                             s3:ListMultipartUploadParts
    ListObjects, ListObjectsV2, HeadBucket                                s3:ListBucket
    ListObjectVersions                                                    s3:ListBucketVersions
    ListMultipartUploads                                                  s3:ListBucketMultipartUploads
    CreateBucket, DeleteBucket                                            s3:CreateBucket, s3:DeleteBucket
    a bucket or object subresource (?versioning, ?tagging, ...)           its Get/Put action (below)

Condition keys given: s3:prefix, s3:delimiter, s3:max-keys (listings), s3:VersionId,
s3:signatureversion and s3:authType."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote
from xml.etree import ElementTree

from .authorization import Check

# A bucket subresource's action for GET, PUT and DELETE (None: take the generic name).
_BUCKET = {
    "versioning": ("GetBucketVersioning", "PutBucketVersioning", None),
    "location": ("GetBucketLocation", None, None),
    "versions": ("ListBucketVersions", None, None),
    "uploads": ("ListBucketMultipartUploads", None, None),
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "tagging": ("GetBucketTagging", "PutBucketTagging", "PutBucketTagging"),
    "acl": ("GetBucketAcl", "PutBucketAcl", None),
    "cors": ("GetBucketCORS", "PutBucketCORS", "PutBucketCORS"),
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration", "PutLifecycleConfiguration"),
    "encryption": ("GetEncryptionConfiguration", "PutEncryptionConfiguration", "PutEncryptionConfiguration"),
    "replication": ("GetReplicationConfiguration", "PutReplicationConfiguration",
                    "PutReplicationConfiguration"),
    "object-lock": ("GetBucketObjectLockConfiguration", "PutBucketObjectLockConfiguration", None),
    "ownershipcontrols": ("GetBucketOwnershipControls", "PutBucketOwnershipControls",
                          "PutBucketOwnershipControls"),
    "publicaccessblock": ("GetBucketPublicAccessBlock", "PutBucketPublicAccessBlock",
                          "PutBucketPublicAccessBlock"),
    "policystatus": ("GetBucketPolicyStatus", None, None),
    "notification": ("GetBucketNotification", "PutBucketNotification", None),
    "website": ("GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"),
    "logging": ("GetBucketLogging", "PutBucketLogging", None),
    "accelerate": ("GetAccelerateConfiguration", "PutAccelerateConfiguration", None),
    "requestpayment": ("GetBucketRequestPayment", "PutBucketRequestPayment", None),
}
# An object subresource's action for GET, PUT and DELETE (with a versionId: the Version form).
_OBJECT = {
    "tagging": ("GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"),
    "acl": ("GetObjectAcl", "PutObjectAcl", None),
    "retention": ("GetObjectRetention", "PutObjectRetention", None),
    "legal-hold": ("GetObjectLegalHold", "PutObjectLegalHold", None),
    "attributes": ("GetObjectAttributes", None, None),
}
_VERSIONED = {"GetObject": "GetObjectVersion", "DeleteObject": "DeleteObjectVersion",
              "GetObjectTagging": "GetObjectVersionTagging", "PutObjectTagging": "PutObjectVersionTagging",
              "DeleteObjectTagging": "DeleteObjectVersionTagging", "GetObjectAcl": "GetObjectVersionAcl",
              "PutObjectAcl": "PutObjectVersionAcl", "GetObjectAttributes": "GetObjectVersionAttributes"}
_METHODS = ("GET", "PUT", "DELETE")
_S3 = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def checks(method: str, raw_uri: str, headers: dict[str, str], body: bytes | None = None) -> list[Check]:
    """What the request needs authorized. `headers` are lower-case; `body` is read only for
    DeleteObjects (the keys it deletes)."""
    raw_path, _, query = raw_uri.partition("?")
    bucket, slash, key = unquote(raw_path).lstrip("/").partition("/")
    params = {k.lower(): v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    version = params.get("versionid")
    if not bucket:
        return [Check("s3:ListAllMyBuckets", "*")]
    if slash and key:
        return _object_checks(method, f"arn:aws:s3:::{bucket}/{key}", params, version, headers)
    return _bucket_checks(method, bucket, params, body)


def is_delete_objects(method: str, raw_uri: str) -> bool:
    """A DeleteObjects request (POST /bucket?delete), whose body names the keys."""
    raw_path, _, query = raw_uri.partition("?")
    return (method == "POST" and "/" not in unquote(raw_path).strip("/")
            and "delete" in parse_qs(query, keep_blank_values=True))


def _object_checks(method: str, arn: str, params: dict[str, str], version: str | None,
                   headers: dict[str, str]) -> list[Check]:
    context = {"s3:versionid": version} if version else {}
    sub = next((p for p in params if p in _OBJECT), None)
    if "uploadid" in params:
        action = {"GET": "ListMultipartUploadParts", "DELETE": "AbortMultipartUpload"}.get(
            method, "PutObject")
    elif method == "POST" and "uploads" in params:
        action = "PutObject"
    elif method == "POST" and "restore" in params:
        action = "RestoreObject"
    elif method == "POST" and "select" in params:
        action = "GetObject"
    elif sub:
        action = _by_method(_OBJECT[sub], method, sub, "Object")
    else:
        action = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject",
                  "DELETE": "DeleteObject"}.get(method, "PutObject")
    if version:
        action = _VERSIONED.get(action, action)
    found = [Check(f"s3:{action}", arn, context)]
    if sub == "attributes":
        found.append(Check("s3:GetObjectVersion" if version else "s3:GetObject", arn, context))
    source = headers.get("x-amz-copy-source")
    if source and method == "PUT":
        path, _, source_query = source.partition("?")
        source_version = parse_qs(source_query).get("versionId", [None])[0]
        found.append(Check("s3:GetObjectVersion" if source_version else "s3:GetObject",
                           f"arn:aws:s3:::{unquote(path).lstrip('/')}",
                           {"s3:versionid": source_version} if source_version else {}))
    return found


def _bucket_checks(method: str, bucket: str, params: dict[str, str], body: bytes | None) -> list[Check]:
    arn = f"arn:aws:s3:::{bucket}"
    sub = next((p for p in params if p in _BUCKET), None)
    if method == "POST" and "delete" in params:
        return _delete_objects(bucket, body or b"")
    listing = {f"s3:{k}": params[k] for k in ("prefix", "delimiter", "max-keys") if k in params}
    if sub:
        return [Check(f"s3:{_by_method(_BUCKET[sub], method, sub, 'Bucket')}", arn, listing)]
    if method in ("GET", "HEAD"):
        return [Check("s3:ListBucket", arn, listing)]
    return [Check({"PUT": "s3:CreateBucket", "DELETE": "s3:DeleteBucket"}.get(method, "s3:PutBucket"), arn)]


def _by_method(actions: tuple[str | None, ...], method: str, sub: str, noun: str) -> str:
    """The subresource's action for this method, or S3's naming pattern for one not listed."""
    index = _METHODS.index(method) if method in _METHODS else 1
    known = actions[index]
    if known:
        return known
    verb = {"GET": "Get", "DELETE": "Delete"}.get(method, "Put")
    return f"{verb}{noun}{''.join(part.capitalize() for part in re.split(r'[-_]', sub))}"


def _delete_objects(bucket: str, body: bytes) -> list[Check]:
    """s3:DeleteObject (s3:DeleteObjectVersion with a VersionId) on each key a DeleteObjects names."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return [Check("s3:DeleteObject", f"arn:aws:s3:::{bucket}/*")]
    found = []
    for item in root.iter():
        if item.tag.removeprefix(_S3) != "Object":
            continue
        key = item.findtext(f"{_S3}Key") or item.findtext("Key") or ""
        version = item.findtext(f"{_S3}VersionId") or item.findtext("VersionId")
        found.append(Check("s3:DeleteObjectVersion" if version else "s3:DeleteObject",
                           f"arn:aws:s3:::{bucket}/{key}", {"s3:versionid": version} if version else {}))
    return found


def signature_context(environ: dict) -> dict[str, str]:
    """s3:signatureversion and s3:authType of a request."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    query = environ.get("QUERY_STRING", "")
    v2 = authorization.startswith("AWS ") or "AWSAccessKeyId=" in query
    return {"s3:signatureversion": "AWS" if v2 else "AWS4-HMAC-SHA256",
            "s3:authtype": "REST-HEADER" if authorization else "REST-QUERY-STRING"}
