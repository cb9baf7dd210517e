"""The endpoint's S3 controls over source objects, applied to path-style S3 requests on their way
to the local S3 server: `object_sizes` (HeadObject and ListObjectVersions report a stand-in's size
as huge), `unreadable_objects` (HeadObject answers 403) and `unlistable_buckets`
(ListObjectVersions answers 403); and the count of those reads for /_emulator/calls."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote_plus
from xml.etree import ElementTree

from .controls import CallCounter, Controls
from .s3_keys import NS
from .s3_proxy import S3Proxy


class ControlledS3:
    """A WSGI application: S3 requests passed to the proxy, as the controls shape source reads."""

    def __init__(self, proxy: S3Proxy, controls: Controls, calls: CallCounter) -> None:
        self.proxy, self.controls, self.calls = proxy, controls, calls

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        read = _source_read(environ)
        if read:
            self.calls.record_s3_read(read)
        if read == "ListObjectVersions":
            return self._unlistable(environ, start_response) or self._listing(environ, start_response)
        return self._unreadable(environ, start_response) or self.proxy(
            environ, self._with_faked_size(environ, start_response))

    def _unlistable(self, environ: dict, start_response) -> Iterable[bytes] | None:
        """A ListObjectVersions of a bucket in the `unlistable_buckets` control: 403, as S3
        answers a caller without s3:ListBucketVersions. None for any other bucket."""
        if _s3_uri(environ)[len("s3://"):].strip("/") not in self.controls.unlistable_buckets:
            return None
        body = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                b"<Message>Access Denied (the local endpoint's unlistable_buckets control)</Message></Error>")
        start_response("403 Forbidden", [("Content-Type", "application/xml"),
                                          ("Content-Length", str(len(body)))])
        return [body]

    def _listing(self, environ: dict, start_response) -> Iterable[bytes]:
        """ListObjectVersions, with the sizes of the `object_sizes` control (a stand-in for a
        huge object looks huge however it is read)."""
        bucket = _s3_uri(environ).strip("/")
        faked = {uri: n for uri, n in self.controls.object_sizes.items() if uri.startswith(bucket + "/")}
        if not faked:
            return self.proxy(environ, start_response)
        answer: list = []  # status, headers
        body = b"".join(self.proxy(environ, lambda status, headers, *_: answer.extend((status, headers))))
        if answer[0].startswith("200"):
            body = _with_sizes(body, bucket, faked)
        headers = [(k, v) for k, v in answer[1] if k.lower() != "content-length"]
        start_response(answer[0], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _with_faked_size(self, environ: dict, start_response):
        """For a HeadObject of an object in the `object_sizes` control, report that size."""
        size = self.controls.object_sizes.get(_s3_uri(environ))
        if environ["REQUEST_METHOD"] != "HEAD" or size is None:
            return start_response

        def faked(status: str, headers: list, *rest):
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            return start_response(status, [*headers, ("Content-Length", str(size))], *rest)
        return faked

    def _unreadable(self, environ: dict, start_response) -> Iterable[bytes] | None:
        """A HeadObject of an object in the `unreadable_objects` control: 403, as S3 answers a
        caller without s3:GetObject. None for any other request."""
        if environ["REQUEST_METHOD"] != "HEAD" or _s3_uri(environ) not in self.controls.unreadable_objects:
            return None
        start_response("403 Forbidden", [("Content-Length", "0"), ("x-amz-error-code", "AccessDenied")])
        return [b""]


def _source_read(environ: dict) -> str | None:
    """HeadObject or ListObjectVersions (path-style), else None."""
    path = environ.get("PATH_INFO", "").strip("/")
    if environ["REQUEST_METHOD"] == "HEAD" and "/" in path:
        return "HeadObject"
    query = environ.get("QUERY_STRING", "").replace("=", "&").split("&")
    if environ["REQUEST_METHOD"] == "GET" and "/" not in path and "versions" in query:
        return "ListObjectVersions"
    return None


def _with_sizes(listing: bytes, bucket: str, sizes: dict[str, int]) -> bytes:
    """A ListObjectVersions answer of `bucket` (s3://name) with the Size of each version of the
    objects in `sizes` (s3:// URIs)."""
    ElementTree.register_namespace("", NS)
    root = ElementTree.fromstring(listing)
    encoded = (root.findtext(f"{{{NS}}}EncodingType") or "") == "url"
    for version in root.iter(f"{{{NS}}}Version"):
        key = version.findtext(f"{{{NS}}}Key") or ""
        size = sizes.get(f"{bucket}/{unquote_plus(key) if encoded else key}")
        node = version.find(f"{{{NS}}}Size")
        if size is not None and node is not None:
            node.text = str(size)
    return ElementTree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _s3_uri(environ: dict) -> str:
    """The s3:// URI a path-style S3 request names."""
    return "s3://" + environ.get("PATH_INFO", "").lstrip("/")
