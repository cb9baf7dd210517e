"""How the provider reads AWS errors: the code of a ClientError, and which failures are
passing (worth asking again later) rather than answers."""

from __future__ import annotations

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

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
