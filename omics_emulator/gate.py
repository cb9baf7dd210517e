"""The endpoint's gate: each request is authorized for its caller before a service sees it, and a
refusal is answered as that service answers it (omics: AccessDeniedException as JSON; S3: its
AccessDenied XML, no body for HEAD; IAM and STS: their AccessDenied XML). A key of no IAM identity
(the account's root) passes."""

from __future__ import annotations

import io
import re
import uuid
from xml.sax.saxutils import escape

from . import iam_actions, omics_actions, s3_actions, sts_trust
from .account import ROOT_ARN
from .authorization import Denied, authorize
from .callers import BadToken, Caller, caller_of, signing_key
from .exceptions import AccessDeniedException, ExpiredTokenException, UnrecognizedClientException
from .iam_policies import error as iam_error

Answer = tuple[int, dict[str, str], bytes]  # status, headers, body
_STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
_INVALID = "The security token included in the request is invalid."
_EXPIRED = "The security token included in the request is expired"
_S3_REGION = re.compile(r"\d{8}(?:/|%2F)([^/&%]+)(?:/|%2F)s3(?:/|%2F)", re.IGNORECASE)


def request_context(environ: dict, region: str) -> dict[str, str]:
    """Global condition keys of any request: aws:RequestedRegion, aws:SecureTransport, aws:SourceIp."""
    return {"aws:requestedregion": region, "aws:securetransport": str(
        environ.get("wsgi.url_scheme") == "https").lower(), "aws:sourceip": environ.get("REMOTE_ADDR", "")}


def caller(environ: dict) -> Caller | None:
    """The request's caller; None for the account's root (or an unsigned request). Raises BadToken."""
    key = signing_key(environ)
    return caller_of(*key) if key else None


def omics(environ: dict, operation: str, region: str, path_values: dict[str, str], body: bytes) -> str:
    """The caller's ARN when it may make this omics request; else raise the OmicsError the
    request is answered with."""
    try:
        who = caller(environ)
        if who is not None:
            authorize(who, omics_actions.checks(operation, region, path_values,
                                                environ.get("QUERY_STRING", ""), body),
                      request_context(environ, region))
        return _named(who)
    except BadToken as bad:
        raise (ExpiredTokenException(_EXPIRED) if bad.expired
               else UnrecognizedClientException(_INVALID)) from None
    except Denied as denied:
        raise AccessDeniedException(denied.message) from None


def s3(environ: dict) -> Answer | None:
    """S3's error answer when the caller may not make this request; None when it may."""
    method = environ["REQUEST_METHOD"]
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/"
    try:
        who = caller(environ)
        if who is None:
            return None
        body = None
        if s3_actions.is_delete_objects(method, raw_uri):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        region = _S3_REGION.search(environ.get("HTTP_AUTHORIZATION", "") + environ.get("QUERY_STRING", ""))
        context = {**request_context(environ, region[1] if region else "us-east-1"),
                   **s3_actions.signature_context(environ)}
        authorize(who, s3_actions.checks(method, raw_uri, headers, body), context)
    except BadToken as bad:
        if bad.expired:
            return _s3_error(method, 400, "ExpiredToken", "The provided token has expired.")
        return _s3_error(method, 403, "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records.")
    except Denied as denied:
        return _s3_error(method, 403, "AccessDenied", denied.message.replace(
            f"on resource: {denied.check.resource} ", f'on resource: "{denied.check.resource}" '))
    return None


def _named(who: Caller | None) -> str:
    return who.arn if who is not None else ROOT_ARN


def query(environ: dict, service: str, region: str, form: dict[str, str]) -> tuple[Answer | None, str]:
    """(IAM's or STS's error answer when the caller may not make this request, None when it may;
    the ARN a denial names the caller by, the account's root for a key of no identity)."""
    who: Caller | None = None
    try:
        who = caller(environ)
        context = request_context(environ, region)
        found = iam_actions.checks(service, form, who)
        if who is not None:
            authorize(who, found, context)
        if service == "sts" and form.get("Action") == "AssumeRole":
            sts_trust.check_assume_role(who, form, {**context, **found[0].context})
        return None, _named(who)
    except BadToken as bad:
        refused = query_error(service, 400 if bad.expired else 403,
                              "ExpiredToken" if bad.expired else "InvalidClientTokenId",
                              _EXPIRED if bad.expired else _INVALID)
    except Denied as denied:
        refused = query_error(service, 403, "AccessDenied", denied.message)
    except sts_trust.Refused as refusal:
        refused = query_error(service, refusal.status, refusal.code, refusal.message)
    return refused, _named(who)


def federation(form: dict[str, str]) -> Answer | None:
    """STS's error answer for an unsigned AssumeRoleWithWebIdentity or AssumeRoleWithSAML the
    role's trust refuses; None when it lets the request through."""
    try:
        if form.get("Action") == "AssumeRoleWithWebIdentity":
            sts_trust.check_web_identity(form)
        else:
            sts_trust.check_saml(form)
    except sts_trust.Refused as refused:
        return query_error("sts", refused.status, refused.code, refused.message)
    return None


def query_error(service: str, status: int, code: str, message: str) -> Answer:
    """An IAM or STS error answer."""
    body = iam_error(code, message, _STS_NAMESPACE) if service == "sts" else iam_error(code, message)
    return status, {"Content-Type": "text/xml"}, body


def _s3_error(method: str, status: int, code: str, message: str) -> Answer:
    if method == "HEAD":  # S3 answers a HEAD without a body
        return status, {"x-amz-error-code": code}, b""
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}'
            f"</Message><RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>").encode()
    return status, {"Content-Type": "application/xml"}, body

