"""A failed create or update that keeps its resource in the state, for the dynamic provider.

The engine keeps a resource whose create failed when the provider's error carries
`ErrorResourceInitFailed` (its id and properties) in the gRPC status details: the native plugin
sends it itself; pulumi's dynamic provider server (`pulumi/dynamic/__main__.py`) turns every
exception into a plain error. `keep` sets those details on the gRPC call being served, which
the server's own abort then sends: the engine records the import's job, and the next `up`
waits for it, a refresh reads it, and a destroy deletes what it made.

The same server sends every failure as its Python traceback; `send_plainly` (which the
`adapter.adapted` operations call) makes a failure the provider explains (its own errors, AWS's
answers) read as its message alone, by the status details' message, which the engine reads in
place of the server's.
"""

from __future__ import annotations

import asyncio
import sys

import grpc
from botocore.exceptions import BotoCoreError, ClientError
from pulumi.runtime.proto import provider_pb2, status_pb2

from ..core import hidden
from ..errors import OmicsProviderError, WaitTimedOut

STATUS_DETAILS = "grpc-status-details-bin"
EXPLAINED = (OmicsProviderError, ClientError, BotoCoreError)  # failures whose message says it all


def details(resource_id: str, properties: object, reason: str) -> tuple[tuple[str, bytes], ...]:
    """The trailing metadata of a failed call that keeps `resource_id` with `properties` (a
    google.protobuf Struct) in the state."""
    detail = provider_pb2.ErrorResourceInitFailed(id=resource_id, properties=properties, reasons=[reason])
    status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=reason)
    status.details.add().Pack(detail)
    return ((STATUS_DETAILS, status.SerializeToString()),)


def keep(resource_id: str, outputs: dict, reason: str) -> bool:
    """Make the gRPC call this thread serves (a dynamic Create or Update) keep the resource in
    the state when it fails; False when no such call is found (the failure then keeps nothing)."""
    context = _serving_context()
    if context is None:
        return False
    from pulumi.runtime import rpc  # the dynamic provider's server has it loaded already

    loop = asyncio.new_event_loop()
    try:
        struct = loop.run_until_complete(rpc.serialize_properties(outputs, {}))
    finally:
        loop.close()
    context.set_trailing_metadata(details(resource_id, struct, reason))
    return True


def send_plainly(exc: Exception, secrets: hidden.Secrets) -> None:
    """When `exc` is an explained failure (the provider's errors, AWS's answers) of the dynamic
    operation this thread serves, make it reach the engine as its message, without the server's
    traceback, `secrets`' values shown as [secret]. A WaitTimedOut is left alone: it keeps its
    resource, and `keep` set its details."""
    if not isinstance(exc, EXPLAINED) or isinstance(exc, WaitTimedOut):
        return
    context = _serving_context(_ANY_OPERATION)
    if context is not None:
        status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=secrets.redact(str(exc)))
        context.set_trailing_metadata(((STATUS_DETAILS, status.SerializeToString()),))


_ANY_OPERATION = ("Check", "Diff", "Create", "Update", "Read", "Delete")


def _serving_context(operations: tuple[str, ...] = ("Create", "Update")) -> grpc.ServicerContext | None:
    """The servicer context of the call (one of `operations`) up this thread's stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in operations:
            context = frame.f_locals.get("context")
            if isinstance(context, grpc.ServicerContext):
                return context
        frame = frame.f_back
    return None
