"""Errors the HealthOmics API models, one class per error code.

    OmicsError (code, HTTP status, message)
    ├── ValidationException            400
    ├── ServiceQuotaExceededException  402
    ├── AccessDeniedException          403
    ├── MissingAuthenticationTokenException  403  (no signature: answered before any service)
    ├── IncompleteSignatureException   403  (a signature that cannot be read)
    ├── UnrecognizedClientException    403  (a key or session token that is not valid)
    ├── ExpiredTokenException          403  (a session past its expiry)
    ├── RequestTimeoutException        408
    ├── RequestEntityTooLargeException 413
    ├── ResourceNotFoundException      404
    ├── ConflictException              409
    ├── RangeNotSatisfiableException   416
    ├── ThrottlingException            429
    └── InternalServerException        500
"""

from __future__ import annotations


class OmicsError(Exception):
    """An error answer: serialised as `{"__type": code, "message": ...}` plus X-Amzn-ErrorType."""

    code = "InternalServerException"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationException(OmicsError):
    code, status = "ValidationException", 400


class ServiceQuotaExceededException(OmicsError):
    code, status = "ServiceQuotaExceededException", 402


class AccessDeniedException(OmicsError):
    code, status = "AccessDeniedException", 403


class MissingAuthenticationTokenException(OmicsError):
    code, status = "MissingAuthenticationTokenException", 403


class IncompleteSignatureException(OmicsError):
    code, status = "IncompleteSignatureException", 403


class UnrecognizedClientException(OmicsError):
    code, status = "UnrecognizedClientException", 403


class ExpiredTokenException(OmicsError):
    code, status = "ExpiredTokenException", 403


class RequestEntityTooLargeException(OmicsError):
    code, status = "RequestEntityTooLargeException", 413


class RequestTimeoutException(OmicsError):
    code, status = "RequestTimeoutException", 408


class ResourceNotFoundException(OmicsError):
    code, status = "ResourceNotFoundException", 404


class ConflictException(OmicsError):
    code, status = "ConflictException", 409


class RangeNotSatisfiableException(OmicsError):
    code, status = "RangeNotSatisfiableException", 416


class ThrottlingException(OmicsError):
    code, status = "ThrottlingException", 429


class InternalServerException(OmicsError):
    code, status = "InternalServerException", 500


def error_for_code(code: str) -> type[OmicsError]:
    """The class of a modelled error code, e.g. `ThrottlingException`."""
    return next(cls for cls in OmicsError.__subclasses__() if cls.code == code)
