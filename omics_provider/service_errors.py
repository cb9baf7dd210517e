"""How the provider reads AWS errors: the code of a ClientError, and which failures are
passing (worth asking again later) rather than answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from .errors import AccessDenied

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
            operation = exc.operation_name
            service = "s3" if operation in ("HeadObject", "GetObject") else "omics"
            raise AccessDenied(operation=operation, action=f"{service}:{operation}",
                               also=ALSO_NEEDED.get(operation, ""), detail=error_message(exc)) from None

    return explained
