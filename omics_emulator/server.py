"""One HTTP endpoint for everything: omics reference-store operations (models), S3 passed through
to the local S3 server (versitygw, on disk) under the endpoint's S3 controls (s3_controls),
IAM/STS by moto's server, and the `/_emulator/` admin paths. Requests are authorized (gate) and
routed by the service named in their SigV4 credential scope."""

from __future__ import annotations

import io
import json
import re
import socket
from collections.abc import Iterable
from http import HTTPStatus
from pathlib import Path

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from omics_rules.quotas import REQUESTS_PER_SECOND

from . import gate, iam_actions, iam_policies, protocol
from .account import ROOT_ARN
from .answers import FileRange
from .callers import remember_session_policies, session_key
from .controls import CallCounter, Controls, RequestQuotas
from .exceptions import (
    IncompleteSignatureException,
    InternalServerException,
    MissingAuthenticationTokenException,
    OmicsError,
    RequestEntityTooLargeException,
    ValidationException,
)
from .iam_store import IamStore
from .importer import Importer
from .models import Backend
from .records import Records
from .s3_controls import ControlledS3
from .s3_proxy import S3Proxy
from .s3_server import S3Storage, start_s3_server

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
# A presigned URL carries its scope in the query string (X-Amz-Credential, URL-encoded).
_SLASH = r"(?:/|%2F)"
_QUERY_SCOPE = re.compile(
    rf"X-Amz-Credential=[^&]*?{_SLASH}\d{{8}}{_SLASH}([^/&%]+){_SLASH}([^/&%]+){_SLASH}aws4_request",
    re.IGNORECASE)
# Signature version 2 (`AWS key:signature`, or a presigned URL with AWSAccessKeyId) is S3's alone.
_S3_SIGV2 = re.compile(r"^AWS [^ :]+:|(?:^|&)AWSAccessKeyId=")
MAX_OMICS_BODY = 1024 * 1024  # reference-store requests are a few KiB at most


class EmulatorApp:
    """The WSGI application, built whole: `url` is where it is served (the importer calls it)."""

    def __init__(self, data_dir: Path, storage: S3Storage, url: str,
                 controls: Controls | None = None) -> None:
        self.storage = storage  # the S3 server
        self.controls = controls or Controls()
        records = Records(data_dir)
        self.importer = Importer(records, self.controls, storage, url)
        self.backend = Backend(records, self.controls, self.importer)
        self.quotas = RequestQuotas(REQUESTS_PER_SECOND)
        self.calls = CallCounter()
        self.s3 = ControlledS3(S3Proxy(storage), self.controls, self.calls)
        self.iam = IamStore(data_dir)
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self._admin(environ, start_response, path)
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        query = environ.get("QUERY_STRING", "")
        scope = _SCOPE.search(authorization) or _QUERY_SCOPE.search(query)
        if scope is None and (_S3_SIGV2.search(authorization) or _S3_SIGV2.search(query)):
            return self._s3(environ, start_response)
        if scope is None and not authorization and _federation(environ):
            return self._query(environ, start_response, "sts", "us-east-1", signed=False)
        if scope is None:  # AWS answers these before any service sees them
            error = (IncompleteSignatureException(
                f"Authorization header is not a SigV4 signature: {authorization[:60]!r}")
                if authorization else MissingAuthenticationTokenException("Missing Authentication Token"))
            return _respond(start_response, *protocol.error_response(error))
        if scope[2] == "omics":
            return self._omics(environ, start_response, path, scope[1])
        if scope[2] == "s3":
            return self._s3(environ, start_response)
        if scope[2] in ("iam", "sts"):
            return self._query(environ, start_response, scope[2], scope[1])
        return self.moto(environ, start_response)

    def _query(self, environ: dict, start_response, service: str, region: str,
               signed: bool = True) -> Iterable[bytes]:
        """An IAM or STS request: authorized (or, unsigned, let through by the role's trust),
        then answered by moto, or here for SimulatePrincipalPolicy. Moto's IAM state is saved once
        it has answered an action that may change it; a new session's key is noted as issued."""
        try:
            body = _small_body(environ)
        except OmicsError as exc:
            return _respond(start_response, exc.status, {"Content-Type": "text/xml"},
                            iam_policies.error(exc.code, exc.message))
        environ["wsgi.input"] = io.BytesIO(body)
        form = iam_actions.query_form(body, environ.get("QUERY_STRING", ""))
        if signed:
            refused, who = gate.query(environ, service, region, form)
        else:
            refused, who = gate.federation(form), ROOT_ARN
        if refused is not None:
            return _respond(start_response, *refused)
        if service == "iam" and iam_policies.is_simulation(body):
            return self._simulation(start_response, body, who)
        answer: list = []
        body_out = b"".join(self.moto(environ, lambda status, headers, *_: answer.extend((status, headers))))
        if iam_actions.makes_session(form):  # it reads IAM: of what is kept, only its key is new
            key = session_key(body_out) if answer[0].startswith("200") else None
            if key is not None:
                remember_session_policies(form, key)
                self.iam.note_session(key)
        elif iam_actions.changes_state(form):
            self.iam.save_if_changed()
        start_response(answer[0], answer[1])
        return [body_out]

    def _simulation(self, start_response, body: bytes, who: str) -> Iterable[bytes]:
        """iam:SimulatePrincipalPolicy, which moto does not serve (AccessDenied naming the caller
        `who` when the `deny_operations` control names it)."""
        if "SimulatePrincipalPolicy" in self.controls.deny_operations:
            status, answer = 403, iam_policies.error(
                "AccessDenied", f"User: {who} is not authorized to perform: "
                "iam:SimulatePrincipalPolicy (denied by the local endpoint's deny_operations control)")
        else:
            status, answer = iam_policies.simulate(body)
        return _respond(start_response, status, {"Content-Type": "text/xml"}, answer)

    def _s3(self, environ: dict, start_response) -> Iterable[bytes]:
        refused = gate.s3(environ)
        if refused is not None:
            return _respond(start_response, *refused)
        return self.s3(environ, start_response)

    # -- omics ---------------------------------------------------------------------------

    def _omics(self, environ: dict, start_response, path: str, region: str) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        route = protocol.find_route(method, path)
        try:
            body = _small_body(environ)  # refused before any of it is read when too large
            if route is None:
                raise ValidationException(f"no reference-store operation is {method} {path}")
        except OmicsError as exc:
            return _respond(start_response, *protocol.error_response(exc))
        name = route.operation.name
        error = None
        try:
            caller = gate.omics(environ, name, region, route.pattern.match(path).groupdict(), body)
            if self.controls.request_quotas:
                self.quotas.admit(region, name, shared=self.controls.import_job_quota == "shared",
                                  bursts=self.controls.quota_bursts == "allowed")
            self.controls.inject_fault(name, caller)
            headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
            params = protocol.parse_request(route, path, environ.get("QUERY_STRING", ""), headers, body)
            result = self.backend.answer(name, region, params, caller)
            if isinstance(result, FileRange):
                start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                          ("Content-Length", str(result.end - result.start))])
                return _file_range(result)
            status = route.operation.http.get("responseCode", 200)
            body_out = b"" if status == 204 else protocol.to_json(result)
            return _respond(start_response, status, {"Content-Type": "application/json"}, body_out)
        except OmicsError as exc:
            error = exc
            return _respond(start_response, *protocol.error_response(exc))
        except Exception as exc:  # a bug: still an AWS-shaped answer, never an HTML page
            error = InternalServerException(f"{type(exc).__name__}: {exc}")
            return _respond(start_response, *protocol.error_response(error))
        finally:
            self.calls.record(name, error)

    # -- admin ---------------------------------------------------------------------------

    def _admin(self, environ: dict, start_response, path: str) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        try:
            if path == "/_emulator/health" and method == "GET":
                return _json(start_response, 200, {"status": "ok"})
            if path == "/_emulator/controls":
                if method == "POST":
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    self.controls.update(json.loads(environ["wsgi.input"].read(length) or b"{}"))
                return _json(start_response, 200, self.controls.public())
            if path == "/_emulator/calls":
                if method == "DELETE":
                    self.calls.reset()
                return _json(start_response, 200, self.calls.snapshot())
        except (OmicsError, ValueError) as exc:
            return _json(start_response, 400, {"message": str(exc)})
        return _json(start_response, 404, {"message": f"no admin path {method} {path}"})


def _federation(environ: dict) -> bool:
    """An unsigned STS AssumeRoleWithWebIdentity or AssumeRoleWithSAML (form body or query)."""
    actions = (b"Action=AssumeRoleWithWebIdentity", b"Action=AssumeRoleWithSAML")
    if any(a.decode() in environ.get("QUERY_STRING", "") for a in actions):
        return True
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return False
    try:
        body = _small_body(environ)
    except OmicsError:
        return False
    environ["wsgi.input"] = io.BytesIO(body)
    return any(a in body for a in actions)


def _small_body(environ: dict) -> bytes:
    """The request body, refused before it is read when its Content-Length is not a number, or
    is over MAX_OMICS_BODY; a body shorter than announced is what arrived."""
    declared = environ.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit():
        raise ValidationException(f"Content-Length {declared[:30]!r} is not a number of bytes")
    length = int(declared)
    if length > MAX_OMICS_BODY:
        raise RequestEntityTooLargeException(
            f"the request body of {length} bytes is over the {MAX_OMICS_BODY} bytes allowed")
    return environ["wsgi.input"].read(length) if length else b""


def _file_range(part: FileRange) -> Iterable[bytes]:
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        left = part.end - part.start
        while left > 0:
            chunk = handle.read(min(left, 1024 * 1024))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def _respond(start_response, status: int, headers: dict, body: bytes) -> list[bytes]:
    headers = {**headers, "Content-Length": str(len(body))}
    start_response(f"{status} {HTTPStatus(status).phrase}", list(headers.items()))
    return [body]


def _json(start_response, status: int, payload: dict) -> list[bytes]:
    return _respond(start_response, status, {"Content-Type": "application/json"},
                    json.dumps(payload).encode())


class _QuietHandler(WSGIRequestHandler):
    timeout = 30  # a client that announces more body than it sends does not hold a thread forever

    def log_request(self, code="-", size="-") -> None:  # one line per request is noise
        pass


def serve(host: str, port: int, data_dir: Path, controls: Controls | None = None,
          s3_binary: str | None = None) -> BaseWSGIServer:
    """A bound, threaded server (not yet serving), with its S3 server started. The socket is
    bound first, so the application is built whole, knowing its own URL."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)
    url = f"http://{host}:{listener.getsockname()[1]}"
    app = EmulatorApp(data_dir, start_s3_server(data_dir, s3_binary), url, controls)
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler,
                         fd=listener.fileno())
    listener.close()  # the server holds its own copy of the socket
    return server
