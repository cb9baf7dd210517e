"""A failed create or update that keeps its resource in the state, for the dynamic provider.

The engine keeps a resource whose create failed when the provider's error carries
`ErrorResourceInitFailed` (its id and properties) in the gRPC status details: the native plugin
sends it itself; pulumi's dynamic provider server (`pulumi/dynamic/__main__.py`) turns every
exception into a plain error. `keep` sets those details on the gRPC call being served, which
the server's own abort then sends: the engine records the import's job, and the next `up`
waits for it, a refresh reads it, and a destroy deletes what it made.
"""

from __future__ import annotations

import asyncio
import sys

import grpc
from pulumi.runtime.proto import provider_pb2, status_pb2

STATUS_DETAILS = "grpc-status-details-bin"


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


def _serving_context() -> grpc.ServicerContext | None:
    """The servicer context of the Create or Update call up this thread's stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in ("Create", "Update"):
            context = frame.f_locals.get("context")
            if isinstance(context, grpc.ServicerContext):
                return context
        frame = frame.f_back
    return None
