"""The native Pulumi provider plugin `healthomics` (the executable `pulumi-resource-healthomics`):
both resources, `healthomics:index:ReferenceStore` and `healthomics:index:ReferenceImportJob`,
over the same core as the dynamic provider (`store_lifecycle`, `import_lifecycle`), with what a
dynamic provider cannot have: previews, detailed diffs, `pulumi import`, custom timeouts.

IDs: a store's is its id; an import's is `STORE_ID/JOB_ID` (what `pulumi import` takes).
Configuration (`healthomics:region`, `:profile`, `:endpoints`) as pulumi-aws names it, then the
standard AWS environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import functools
import gc
import json
import operator
import sys
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
from google.protobuf import empty_pb2, struct_pb2
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.server import ProviderServicer
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from .. import schema
from ..aws.settings import ConnectionSettings
from ..core import hidden
from ..core.values import GONE, UNKNOWN
from ..dynamic import partial_state
from ..errors import WaitTimedOut
from . import wire

if TYPE_CHECKING:
    from ..core import import_lifecycle

Kind = provider_pb2.PropertyDiff  # its kinds: Kind.UPDATE, Kind.UPDATE_REPLACE, ...


class PartialState(Exception):
    """A create that started something and then failed: the engine keeps `resource_id` and
    `properties` (the core's dict) in the state (ErrorResourceInitFailed), so the next run
    resumes it."""

    def __init__(self, resource_id: str, properties: dict, reason: str) -> None:
        super().__init__(reason)
        self.resource_id, self.properties, self.reason = resource_id, properties, reason


# The secrets of the request being answered: every message to the engine shows them as [secret].
# Each gRPC call runs in its own task, and `asyncio.to_thread` carries the value into its thread.
_SECRETS: contextvars.ContextVar[hidden.Secrets] = contextvars.ContextVar("secrets",
                                                                     default=hidden.NO_SECRETS)


class EngineLog:
    """info/warn as diagnostics of one resource, through the engine's Log service."""

    def __init__(self, engine: engine_pb2_grpc.EngineStub | None, urn: str) -> None:
        self.engine, self.urn = engine, urn

    def _log(self, severity: int, message: str) -> None:
        message = _SECRETS.get().redact(message)
        if self.engine is None:
            print(message, file=sys.stderr)
            return
        self.engine.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=self.urn))

    def info(self, message: str) -> None:
        self._log(engine_pb2.INFO, message)

    def warn(self, message: str) -> None:
        self._log(engine_pb2.WARNING, message)


class _Modules:
    """A subpackage's modules, each imported on first use: every engine phase starts its own
    plugin process, and the phases that only read the schema need no botocore (0.15 s a start)."""

    def __init__(self, package: str) -> None:
        self.package = package

    def __getattr__(self, name: str) -> Any:
        module = import_module(f"..{self.package}.{name}", __package__)
        setattr(self, name, module)
        gc.freeze()  # what the import made lives as long as the process: out of the collector's scans
        return module


core, aws = _Modules("core"), _Modules("aws")


def _type(urn: str) -> str:
    return urn.split("::")[-2] if "::" in urn else ""


class HealthOmicsProvider(p.Provider):
    """What the SDK's servicer serves: the schema and the configuration (the connection
    settings that the `Operations` use)."""

    def __init__(self) -> None:
        self.settings = ConnectionSettings()

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(json.dumps(schema.package_schema()))

    async def configure(self, request: p.ConfigureRequest) -> p.ConfigureResponse:
        """Region, profile and endpoints: the provider's inputs, else `healthomics:*` config."""
        given = {f"{schema.PACKAGE}:{k}": wire.plain_value(v.marshal(), None)
                 for k, v in request.args.items()}
        config = {**request.variables, **{k: v for k, v in given.items() if v is not None}}
        self.settings = ConnectionSettings.from_stack_config(config, namespace=schema.PACKAGE)
        return p.ConfigureResponse(accept_secrets=True, supports_preview=True, accept_resources=True)


class Operations:
    """One resource type's operations on the core's plain dicts: a thin adapter to its lifecycle
    module. `HealthOmicsServicer` reads and writes the wire and picks the adapter by type."""

    shape: schema.Shape

    def __init__(self, provider: HealthOmicsProvider, engine: engine_pb2_grpc.EngineStub | None) -> None:
        self.provider, self.engine = provider, engine

    @property
    def settings(self) -> ConnectionSettings:
        return self.provider.settings

    def log(self, urn: str) -> EngineLog:
        return EngineLog(self.engine, urn)

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Blocking AWS work, off the server's event loop (the engine sends requests in parallel)."""
        return await asyncio.to_thread(aws.service_errors.explain_access_denied(fn), *args)


class StoreOperations(Operations):
    """`healthomics:index:ReferenceStore` over `store_lifecycle`."""

    shape = schema.REFERENCE_STORE

    def check(self, urn: str, olds: dict, news: dict) -> tuple[dict, list]:
        """(checked inputs, failures as (wire path, reason))."""
        failures = core.store_lifecycle.check(olds, news, self.log(urn))
        return news, [(schema.wire_path(path), why) for path, why in failures]

    def diff(self, urn: str, olds: dict, news: dict) -> provider_pb2.DiffResponse:
        lifecycle = core.store_lifecycle
        replaces = lifecycle.replaces(olds, news, self.settings.region_changed(olds, news))
        detailed = {schema.wire_path(k): _change(Kind.UPDATE_REPLACE) for k in replaces}
        if lifecycle.retags(olds, news):
            detailed["tags"] = _change(Kind.UPDATE)
        for key in lifecycle.settings_changed(olds, news):
            detailed[schema.wire_path(key)] = _change(Kind.UPDATE)
        return _diff(detailed, delete_before_replace=True)

    async def create(self, urn: str, props: dict, timeout: float, preview: bool) -> tuple[str, dict]:
        """(id, outputs); a preview's are what is known and unknowns for the rest."""
        if preview:
            return "", planned_outputs(self.shape, props)
        return await self._run(core.store_lifecycle.create, self.settings, props, self.log(urn))

    async def update(self, urn: str, olds: dict, news: dict, timeout: float, preview: bool) -> dict:
        if preview:
            return {**olds, "tags": news.get("tags")}
        return await self._run(core.store_lifecycle.update, self.settings, olds, news)

    async def read(self, urn: str, resource_id: str, props: dict) -> dict | None:
        if props:
            return await self._run(core.store_lifecycle.read, self.settings, resource_id, props)
        return await self._run(core.store_lifecycle.imported, self.settings, resource_id)  # `pulumi import`

    async def delete(self, urn: str, resource_id: str, props: dict, timeout: float) -> None:
        await self._run(core.store_lifecycle.delete, self.settings, resource_id, props, self.log(urn),
                        timeout or core.store_lifecycle.EMPTY_WAIT_SECONDS)


class ImportOperations(Operations):
    """`healthomics:index:ReferenceImportJob` over `import_lifecycle`; its id is `STORE_ID/JOB_ID`."""

    shape = schema.REFERENCE_IMPORT_JOB

    def check(self, urn: str, olds: dict, news: dict) -> tuple[dict, list]:
        """(checked inputs, failures as (wire path, reason)). On the event loop, not a thread: the
        engine checks one resource at a time, and a thread hop per check cost a preview of 100
        imports more than its S3 reads (an import reads S3 once per folder: `s3_objects`)."""
        checked = core.import_lifecycle.check(self.settings, olds, news, self.log(urn), owner=urn)
        return checked.inputs, [(schema.wire_path(path), why) for path, why in checked.failures]

    def diff(self, urn: str, olds: dict, news: dict) -> provider_pb2.DiffResponse:
        log = self.log(urn)
        moved = self.settings.region_changed(olds, news)
        change = core.import_lifecycle.diff(olds, news, moved, owner=urn, log=log)
        if change.replaces:
            log.info(f"will be replaced: {change.why}")
        return _diff(import_diff(olds, news, change), delete_before_replace=False)

    async def create(self, urn: str, props: dict, timeout: float, preview: bool,
                     recorded: dict | None = None) -> tuple[str, dict]:
        """(id, outputs); a preview's are what is known and unknowns for the rest. `recorded`:
        the state of a create that ended at its deadline, whose job this one waits for."""
        if preview:
            return "", planned_outputs(self.shape, props)
        try:
            job_id, outs = await self._run(core.import_lifecycle.create, self.settings, props, self.log(urn),
                                           timeout or None, recorded)
        except WaitTimedOut as exc:
            raise PartialState(schema.import_id(props["reference_store_id"], exc.job_id), exc.partial,
                               str(exc)) from None
        return schema.import_id(props["reference_store_id"], job_id), outs

    async def update(self, urn: str, olds: dict, news: dict, timeout: float, preview: bool) -> dict:
        """The outputs after the update (a preview's: what it will be)."""
        if core.import_lifecycle.unfinished(olds):  # a create that ended at its deadline: wait for its job
            return (await self.create(urn, news, timeout, preview, recorded=olds))[1]
        if preview:
            return core.import_lifecycle.updated(olds, news)
        return await self._run(core.import_lifecycle.update, self.settings, olds, news, self.log(urn))

    async def read(self, urn: str, resource_id: str, props: dict) -> dict | None:
        if props:
            job_id = resource_id.rsplit("/", 1)[-1]
            return await self._run(core.import_lifecycle.read, self.settings, job_id, props,
                                   self.log(urn), urn)
        store_id, _, job_id = resource_id.partition("/")  # `pulumi import` by IMPORT_ID_FORMAT
        if not job_id:
            raise ValueError(f"import id {resource_id!r}: give {schema.IMPORT_ID_FORMAT}, e.g. "
                             f"{schema.IMPORT_ID_EXAMPLE} (the store, and the job that imported "
                             "the references)")
        return await self._run(core.import_lifecycle.imported, self.settings, store_id, job_id)

    async def delete(self, urn: str, resource_id: str, props: dict, timeout: float) -> None:
        await self._run(core.import_lifecycle.delete, self.settings, props, self.log(urn),
                        timeout or None, urn)


def read_inputs(shape: schema.Shape, outs: dict) -> dict:
    """The inputs a Read answers beside the outputs `outs`: the declared inputs and plan, a
    source's outputs left out, nulls dropped."""
    inputs = {k: v for k, v in outs.items() if k in shape.names(*schema.INPUT_KINDS, schema.PLAN)}
    if "sources" in inputs:
        keep = (*schema.REFERENCE_SOURCE.inputs,)
        inputs["sources"] = [{k: s[k] for k in keep if s.get(k) is not None} for s in inputs["sources"]]
    return {k: v for k, v in inputs.items() if v is not None}


_REPLACING = (Kind.ADD_REPLACE, Kind.DELETE_REPLACE, Kind.UPDATE_REPLACE)


def _change(kind: int, input_diff: bool = True) -> provider_pb2.PropertyDiff:
    return provider_pb2.PropertyDiff(kind=kind, inputDiff=input_diff)


def _diff(detailed: dict[str, provider_pb2.PropertyDiff],
          delete_before_replace: bool) -> provider_pb2.DiffResponse:
    """The engine's answer: the top-level properties that change and that replace, and each
    changed property path with its kind."""
    def top(path: str) -> str:
        return path.split("[")[0].split(".")[0]
    replacing = sorted({top(k) for k, d in detailed.items() if d.kind in _REPLACING})
    changes = provider_pb2.DiffResponse.DIFF_SOME if detailed else provider_pb2.DiffResponse.DIFF_NONE
    return provider_pb2.DiffResponse(changes=changes, replaces=replacing,
                                     deleteBeforeReplace=delete_before_replace and bool(replacing),
                                     diffs=sorted({top(k) for k in detailed}), detailedDiff=detailed,
                                     hasDetailedDiff=True)


def import_diff(olds: dict, news: dict,
                change: import_lifecycle.Change) -> dict[str, provider_pb2.PropertyDiff]:
    """Each changed property of an import, named as the program names it, with its kind: what
    replaces (a store, role, Region or token; a source's name, file or description; a source
    object that S3 shows with another version; references deleted outside Pulumi) and what
    updates (a source's tags)."""
    found: dict[str, provider_pb2.PropertyDiff] = {}
    old_sources, new_sources = olds.get("sources") or [], news.get("sources") or []
    for key in change.replaces:
        if key not in ("sources", "resolved_client_token"):
            found[schema.wire_path(key)] = _change(Kind.UPDATE_REPLACE)
    if "sources" in change.replaces:
        for i in range(max(len(old_sources), len(new_sources))):
            if i >= len(old_sources):
                found[f"sources[{i}]"] = _change(Kind.ADD_REPLACE)
            elif i >= len(new_sources):
                found[f"sources[{i}]"] = _change(Kind.DELETE_REPLACE)
            elif old_sources[i].get("status") in GONE:
                found[f"sources[{i}]"] = _change(Kind.UPDATE_REPLACE, False)  # deleted outside Pulumi
            else:
                for key in core.planning.SOURCE_IDENTITY:
                    if old_sources[i].get(key) != new_sources[i].get(key):
                        path = schema.wire_path(f"sources[{i}].{key}")
                        found[path] = _change(Kind.UPDATE_REPLACE)
    if "resolved_client_token" in change.replaces and not found:
        if olds.get("client_token") != news.get("client_token"):
            found["clientToken"] = _change(Kind.UPDATE_REPLACE)
        old_objects, new_objects = olds.get("source_objects") or [], news.get("source_objects") or []
        for i, (before, after) in enumerate(zip(old_objects, new_objects, strict=False)):
            if (before or {}).get("version") != (after or {}).get("version"):  # the object was overwritten
                found[f"sources[{i}].sourceFile"] = _change(Kind.UPDATE_REPLACE, False)
        if not found:
            found["sources"] = _change(Kind.UPDATE_REPLACE, False)
    for i in change.retag:
        found[f"sources[{i}].tags"] = _change(Kind.UPDATE)
    if change.reordered:
        found["sources"] = _change(Kind.UPDATE)
    for key in change.settings:
        found[schema.wire_path(key)] = _change(Kind.UPDATE)
    if change.waits:
        found["status"] = _change(Kind.UPDATE)
    return found


def planned_outputs(shape: schema.Shape, props: dict) -> dict:
    """What a preview knows of a resource about to be created: its inputs and the plan, and
    unknowns for what the service will say."""
    outs = {**props, **dict.fromkeys(shape.names(schema.OUTPUT), UNKNOWN)}
    if shape is schema.REFERENCE_IMPORT_JOB:
        outs["sources"] = [{**s, **dict.fromkeys(schema.REFERENCE_SOURCE.names(schema.OUTPUT), UNKNOWN)}
                           for s in props.get("sources") or []]
    else:
        outs["store_name"] = props.get("name")
    return outs


_PROPERTY_FIELDS = ("olds", "news", "properties", "inputs")


def _answering(*secret_fields: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A resource operation of the servicer: called with the request, its resource type's
    `Operations`, the request's property fields read off the wire once (plain dicts by field
    name) and the secrets of its `secret_fields` (which its answer marks secret again); a
    failure ends the call with the error's own message, secrets redacted (`_abort`)."""
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        async def answer(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            ops = self.operations[_type(request.urn)]
            read = {name: wire.read(getattr(request, name), ops.shape)
                    for name in _PROPERTY_FIELDS if request.DESCRIPTOR.fields_by_name.get(name)}
            plain = {name: props for name, (props, _) in read.items()}
            secrets = functools.reduce(operator.or_, (read[name][1] for name in secret_fields),
                                       hidden.NO_SECRETS)
            # Messages hide every secret the request holds, old ones too; the answer marks its own.
            _SECRETS.set(functools.reduce(operator.or_, (found for _, found in read.values()),
                                          hidden.NO_SECRETS))
            try:
                return await method(self, request, ops, plain, secrets)
            except Exception as exc:
                await _abort(context, exc, ops.shape, secrets, _SECRETS.get())
        return answer
    return decorate


class HealthOmicsServicer(ProviderServicer):
    """The experimental SDK's servicer, with the resource operations served here: the wire read
    and written directly (`wire`), secrets kept at their paths, a create or update that fails
    with a `PartialState` keeping the resource's id and properties in the state
    (ErrorResourceInitFailed), which the SDK's own servicer cannot do, and a failure reading as
    its message, without the provider's Python stack."""

    def __init__(self, args: list[str], version: str, provider: HealthOmicsProvider,
                 engine_address: str | None) -> None:
        super().__init__(args, version, provider, engine_address=engine_address)
        engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address)) if engine_address else None
        self.operations: dict[str, Operations] = {
            schema.token(ops.shape): ops(provider, engine) for ops in (StoreOperations, ImportOperations)}

    @_answering("news")
    async def Check(self, request, ops, plain, secrets):
        inputs, failures = ops.check(request.urn, plain["olds"], plain["news"])
        shown = _SECRETS.get()
        return provider_pb2.CheckResponse(inputs=wire.to_wire(inputs, ops.shape, secrets), failures=[
            provider_pb2.CheckFailure(property=path, reason=shown.redact(why)) for path, why in failures])

    @_answering("olds", "news")
    async def Diff(self, request, ops, plain, secrets):
        return ops.diff(request.urn, plain["olds"], plain["news"])

    @_answering("properties")
    async def Create(self, request, ops, plain, secrets):
        resource_id, outs = await ops.create(request.urn, plain["properties"], request.timeout,
                                             request.preview)
        return provider_pb2.CreateResponse(id=resource_id, properties=wire.to_wire(outs, ops.shape, secrets))

    @_answering("news")
    async def Update(self, request, ops, plain, secrets):
        outs = await ops.update(request.urn, plain["olds"], plain["news"], request.timeout, request.preview)
        return provider_pb2.UpdateResponse(properties=wire.to_wire(outs, ops.shape, secrets))

    @_answering("properties", "inputs")
    async def Read(self, request, ops, plain, secrets):
        outs = await ops.read(request.urn, request.id, plain["properties"])
        if outs is None:  # gone: the engine drops it from the state
            return provider_pb2.ReadResponse(properties=struct_pb2.Struct(), inputs=struct_pb2.Struct())
        inputs = read_inputs(ops.shape, outs)
        return provider_pb2.ReadResponse(id=request.id, properties=wire.to_wire(outs, ops.shape, secrets),
                                         inputs=wire.to_wire(inputs, ops.shape, secrets))

    @_answering("properties")
    async def Delete(self, request, ops, plain, secrets):
        await ops.delete(request.urn, request.id, plain["properties"], request.timeout)
        return empty_pb2.Empty()


async def _abort(context: grpc.aio.ServicerContext, exc: Exception, shape: schema.Shape,
                 secrets: hidden.Secrets, shown: hidden.Secrets) -> None:
    """End the call with the error's own message (`shown`'s values redacted); a `PartialState`
    also keeps its resource, `secrets`' paths marked."""
    if not isinstance(exc, PartialState):
        await context.abort(grpc.StatusCode.UNKNOWN, shown.redact(str(exc)))
    properties = wire.to_wire(exc.properties, shape, secrets)
    reason = shown.redact(exc.reason)
    await context.abort(grpc.StatusCode.UNKNOWN, reason,
                        trailing_metadata=partial_state.details(exc.resource_id, properties, reason))


def main() -> None:
    """Serve the plugin: print the port, then answer the engine until it stops us."""
    from .. import __version__

    parser = argparse.ArgumentParser(description="the healthomics Pulumi provider plugin")
    parser.add_argument("engine", help="the Pulumi engine's address")
    args, _ = parser.parse_known_args()

    async def serve() -> None:
        server = grpc.aio.server()
        servicer = HealthOmicsServicer(sys.argv[1:], __version__, HealthOmicsProvider(), args.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    gc.freeze()  # the SDK's modules, kept for the process's life: no collection scans them again
    # A preview allocates a lot and makes few cycles: collect far less often (mypy does the same).
    gc.set_threshold(200_000, 30, 30)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
