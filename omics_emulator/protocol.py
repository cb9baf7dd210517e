"""The REST-JSON wire format of the reference-store operations, driven by botocore's model.

Routes are the operations' own `requestUri`s turned into regexes; request members are read
from where the model puts them (uri, querystring, header, JSON body) and validated against the
model's rules; responses are serialised as JSON with ISO 8601 timestamps.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from botocore.model import OperationModel
from botocore.utils import parse_timestamp as botocore_timestamp

from omics_rules import service_model
from omics_rules.quotas import MAX_TAGS, REQUESTS_PER_SECOND

from .exceptions import OmicsError, ValidationException

# At most 50 tags wherever tags are given (the documented quota): the model counts the tags of
# TagResource (TagResourceRequestTagsMap) but not those of CreateReferenceStore or of each source
# of StartReferenceImportJob (TagMap).
DOCUMENTED_LIMITS = {"TagMap": {"max": MAX_TAGS}}
OPERATIONS = tuple(REQUESTS_PER_SECOND)  # the reference-store API: each operation has its quota


@dataclass(frozen=True)
class Route:
    """One operation's method and path pattern."""

    method: str
    pattern: re.Pattern
    operation: OperationModel


def _route(op: OperationModel) -> Route:
    path = op.http["requestUri"].split("?")[0]
    # `{resourceArn}` holds slashes once the path is decoded; ids never do.
    regex = re.sub(
        r"\{(\w+)\}",
        lambda m: f"(?P<{m[1]}>.+)" if m[1] == "resourceArn" else f"(?P<{m[1]}>[^/]+)",
        path,
    )
    return Route(op.http["method"], re.compile(f"^{regex}$"), op)


ROUTES = tuple(_route(service_model.operation(name)) for name in OPERATIONS)


def find_route(method: str, path: str) -> Route | None:
    """The operation this request is for, or None."""
    for route in ROUTES:
        if route.method == method and route.pattern.match(path):
            return route
    return None


def parse_request(route: Route, path: str, query: str, headers: dict, body: bytes) -> dict:
    """The operation's input parameters, validated against the model (ValidationException)."""
    shape = route.operation.input_shape
    params: dict[str, Any] = {}
    if shape is None:
        return params
    path_values = route.pattern.match(path).groupdict()
    query_values = parse_qs(query, keep_blank_values=True)
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        raise ValidationException("the request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ValidationException("the request body must be a JSON object")
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            value = path_values.get(wire)
        elif location == "querystring":
            values = query_values.get(wire)
            value = None if values is None else (values if member.type_name == "list" else values[0])
        elif location == "header":
            value = lowered.get(wire.lower())
        else:
            value = payload.get(name)
        if value is not None:
            params[name] = _coerce(member, value, name)
    unknown = set(payload) - {n for n, m in shape.members.items() if "location" not in m.serialization}
    if unknown:
        raise ValidationException("; ".join(f"{name}: is not a known field" for name in sorted(unknown)))
    problems = list(service_model.violations(shape, params, limits=DOCUMENTED_LIMITS))
    if problems:
        raise ValidationException("; ".join(str(p) for p in problems[:10]))
    return params


def _coerce(shape, value: Any, path: str) -> Any:
    """Turn wire strings into the model's types (ints from query strings, timestamps)."""
    kind = shape.type_name
    if kind in ("integer", "long") and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            raise ValidationException(f"{path}: must be an integer") from None
    if kind == "timestamp":
        return parse_timestamp(value, path)
    if kind == "structure" and isinstance(value, dict):
        return {
            k: (_coerce(shape.members[k], v, f"{path}.{k}") if k in shape.members else v)
            for k, v in value.items()
        }
    return value


def parse_timestamp(value: Any, path: str) -> dt.datetime:
    """An ISO 8601 string or epoch seconds (botocore's parser) as an aware UTC datetime."""
    try:
        return botocore_timestamp(value).astimezone(dt.UTC)
    except (TypeError, ValueError):
        raise ValidationException(f"{path}: must be an ISO 8601 timestamp") from None


def to_json(value: Any) -> bytes:
    """A response body: datetimes become ISO 8601 UTC strings, None members are left out."""
    return json.dumps(_plain(value), separators=(",", ":")).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def error_response(error: OmicsError) -> tuple[int, dict, bytes]:
    """Status, headers and body of an error answer, as botocore's rest-json parser reads it."""
    body = json.dumps({"__type": error.code, "message": error.message}).encode()
    headers = {"Content-Type": "application/json", "X-Amzn-ErrorType": error.code}
    return error.status, headers, body
