"""The native plugin's servicer extends the Pulumi SDK's experimental ProviderServicer, which
that package does not export as public API: these checks fail when an SDK upgrade moves what the
plugin relies on (the constructor, and the handshake, schema and configuration it serves)."""

from __future__ import annotations

import inspect

from pulumi.provider.experimental import server

from omics_provider import schema
from omics_provider.native import plugin

RESOURCE_OPERATIONS = {"Check", "Diff", "Create", "Update", "Read", "Delete"}
FROM_THE_SDK = {"Handshake", "GetPluginInfo", "GetSchema", "CheckConfig", "DiffConfig", "Configure",
                "Attach", "Cancel"}


def test_the_sdk_base_still_takes_what_the_plugin_gives_it() -> None:
    parameters = inspect.signature(server.ProviderServicer.__init__).parameters
    assert list(parameters)[:4] == ["self", "args", "version", "provider"], parameters
    assert "engine_address" in parameters


def test_the_sdk_base_serves_the_handshake_schema_and_configuration() -> None:
    for name in FROM_THE_SDK:
        assert callable(getattr(server.ProviderServicer, name, None)), name
        assert name not in vars(plugin.HealthOmicsServicer), name  # the SDK's own answer is used


def test_the_plugin_serves_every_resource_operation_for_each_resource_type() -> None:
    assert set(vars(plugin.HealthOmicsServicer)) >= RESOURCE_OPERATIONS
    servicer = plugin.HealthOmicsServicer([], "0.0.0", plugin.HealthOmicsProvider(), None)
    assert set(servicer.operations) == {schema.token(s) for s in schema.RESOURCES}
    for ops in servicer.operations.values():
        for name in ("check", "diff", "create", "update", "read", "delete"):
            assert callable(getattr(ops, name)), (ops, name)
