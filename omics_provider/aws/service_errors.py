"""How the provider reads AWS errors: the code of a ClientError, and which failures are
passing (worth asking again later) rather than answers."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from omics_rules import policies
from omics_rules.service_role import READ_ACTION

from ..errors import AccessDenied

P = ParamSpec("P")
R = TypeVar("R")
ACCESS_DENIED_CODES = ("AccessDeniedException", "AccessDenied")
# What else an operation needs beyond its own omics: action.
ALSO_NEEDED = {"StartReferenceImportJob": " (and iam:PassRole on the service role)",
               "CreateReferenceStore": " (and omics:TagResource when tags are given)"}

TRANSIENT_CODES = ("ThrottlingException", "InternalServerException", "ServiceUnavailableException",
                   "RequestTimeoutException", "TooManyRequestsException")


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ClientError ('' when absent)."""
    return exc.response.get("Error", {}).get("Code", "")


def error_message(exc: ClientError) -> str:
    """The AWS error message of a ClientError ('' when absent)."""
    return exc.response.get("Error", {}).get("Message", "")


def is_transient(exc: Exception) -> bool:
    """Throttling, a 5xx or a connection failure that outlasted botocore's retries: worth
    trying again later in a long wait, never a reason to fail it."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return error_code(exc) in TRANSIENT_CODES or status >= 500
    return isinstance(exc, (BotocoreConnectionError, HTTPClientError))


def denied(exc: ClientError) -> AccessDenied:
    """The AccessDenied that says what to grant: the action and resource AWS names in its answer
    (`User: ARN is not authorized to perform: ACTION on resource: ARN`), else the operation's
    own action, and the policy file of this package that grants it."""
    operation, detail = exc.operation_name, error_message(exc)
    named = _NOT_AUTHORIZED.search(detail)
    if named:
        action, resource, also = named[1], f" on {named[2]}", ""
    else:
        action = _S3_ACTIONS.get(operation) or f"omics:{operation}"
        resource, also = "", ALSO_NEEDED.get(operation, "")
    names = policies.granting(action)
    where = (f" (policies/{names[0]}.json grants it: `python -m omics_rules.policies {names[0]}` prints it)"
             if names else "")
    return AccessDenied(operation=operation, action=action, resource=resource, also=also, where=where,
                        detail=detail or error_code(exc))


# AWS's answer to a denied request names the action and the resource it was asked on.
_NOT_AUTHORIZED = re.compile(r"not authorized to perform: (\S+) on resource: (\S+?)(?:\s|$)")
_S3_ACTIONS = {"HeadObject": READ_ACTION, "GetObject": READ_ACTION,
               "ListObjectVersions": "s3:ListBucketVersions"}


def explain_access_denied(method: Callable[P, R]) -> Callable[P, R]:
    """Turn an AccessDenied answer from any call inside `method` into AccessDenied naming the
    operation and the IAM action to grant (botocore never retries it; neither do we)."""

    @functools.wraps(method)
    def explained(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except ClientError as exc:
            if error_code(exc) not in ACCESS_DENIED_CODES:
                raise
            raise denied(exc) from None

    return explained
