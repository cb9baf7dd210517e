"""The stack config, read into plain objects: a reviewer changes YAML, never Python.

    omics-references:store:        {name, description?, tags?, adopt_existing?} or {id: "1234567890"}
    omics-references:role_arn:     an existing service role (or create_role: true, real AWS only)
    omics-references:imports:      [{name, client_token?, wait_timeout_seconds?, poll_max_seconds?, sources: [
                                      {name, source_file, description?, tags?}]}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi


class StackConfigError(ValueError):
    """The stack config has the wrong shape; the message names the key."""


@dataclass(frozen=True)
class StoreConfig:
    """Either an existing store `id`, or a store to create (or adopt) by `name`."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None
    adopt_existing: bool = False


@dataclass(frozen=True)
class SourceConfig:
    name: str
    source_file: str
    description: str | None = None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class ImportConfig:
    name: str
    sources: list[SourceConfig]
    client_token: str | None = None
    wait_timeout_seconds: float | None = None
    adopt_existing: bool = False
    poll_max_seconds: float | None = None


@dataclass(frozen=True)
class StackConfig:
    store: StoreConfig
    imports: list[ImportConfig] = field(default_factory=list)
    role_arn: str | None = None
    create_role: bool = False


def _mapping(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise StackConfigError(f"{key} must be a map, got {type(value).__name__}")
    return value


def _known(value: dict, allowed: set[str], key: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise StackConfigError(
            f"{key}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def parse(raw: dict[str, Any]) -> StackConfig:
    """Build a StackConfig from the raw values (store, role_arn, create_role, imports)."""
    store_raw = _mapping(raw.get("store") or {}, "store")
    _known(store_raw, {"id", "name", "description", "tags", "adopt_existing"}, "store")
    store = StoreConfig(**store_raw)
    if not store.id and not store.name:
        raise StackConfigError("store: give `id` (an existing store) or `name` (a store to create)")
    imports = []
    for i, item in enumerate(raw.get("imports") or []):
        item = _mapping(item, f"imports[{i}]")
        _known(item, {"name", "sources", "client_token", "wait_timeout_seconds", "adopt_existing",
                      "poll_max_seconds"}, f"imports[{i}]")
        if not item.get("name"):
            raise StackConfigError(f"imports[{i}]: `name` (the Pulumi resource name) is required")
        if not isinstance(item.get("sources"), list):
            raise StackConfigError(f"imports[{i}].sources must be a list of sources")
        sources = []
        for j, source in enumerate(item["sources"]):
            source = _mapping(source, f"imports[{i}].sources[{j}]")
            _known(source, {"name", "source_file", "description", "tags"}, f"imports[{i}].sources[{j}]")
            # Missing or malformed values are left to the provider's check, which names the rule.
            sources.append(SourceConfig(source.get("name"), source.get("source_file"),
                                        source.get("description"), source.get("tags")))
        imports.append(ImportConfig(item["name"], sources, item.get("client_token"),
                                    item.get("wait_timeout_seconds"), bool(item.get("adopt_existing")),
                                    item.get("poll_max_seconds")))
    if not raw.get("role_arn") and not raw.get("create_role"):
        raise StackConfigError("role_arn: give an existing service role ARN, or create_role: true")
    return StackConfig(store, imports, raw.get("role_arn"), bool(raw.get("create_role")))


def load() -> StackConfig:
    """The current stack's config."""
    config = pulumi.Config()
    return parse({
        "store": config.get_object("store"), "role_arn": config.get("role_arn"),
        "create_role": config.get_bool("create_role"), "imports": config.get_object("imports"),
    })
