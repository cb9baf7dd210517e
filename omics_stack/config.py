"""The stack config, read into plain objects: a reviewer changes YAML, never Python.

    omics-references:store:        {name, description?, tags?, adopt_existing?, delete_adopted?, region?}
                                   or {id: "1234567890", region?}
    omics-references:role_arn:     an existing service role (or create_role: true, real AWS only)
    omics-references:imports:      [{name, client_token?, wait_timeout_seconds?, poll_max_seconds?, protect?,
                                     adopt_existing?, take_over?, delete_adopted?,
                                     sources: [{name, source_file, description?, tags?}]}]
    omics-references:regions:      [{region, store: {...as above}, imports: [...as above]}]: more Regions,
                                     each with its own store (one per Region) and imports

`store` and `imports` are the stack's first store (in `store.region`, else `aws:region`);
each `regions` entry adds a store and its imports in another Region.

Secret config stays secret: a value set with `pulumi config set --secret` (a whole key) or
`--path --secret` (one value inside a key, e.g. `imports[0].sources[0].tags.billing`) reaches
the resources as a secret (`StackConfig.secrets`), and only that value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime.config import is_config_secret

NAMESPACE = "omics-references"
KEYS = ("store", "role_arn", "create_role", "imports", "regions")
# Keys and list indexes from a config key, e.g. ("imports", 0, "sources", 0, "tags", "billing").
SecretPath = tuple


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
    region: str | None = None
    delete_adopted: bool = False  # delete an adopted store on destroy (else it is left in place)


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
    protect: bool = False  # Pulumi's `protect`: refuse to delete (or replace) this import
    take_over: bool = False  # with adopt_existing: take references another Pulumi resource owns
    delete_adopted: bool = False  # delete adopted references on destroy (else they are left in place)


@dataclass(frozen=True)
class RegionConfig:
    """A store and the imports into it, in one Region (None: the stack's `aws:region`)."""

    region: str | None
    store: StoreConfig
    imports: list[ImportConfig] = field(default_factory=list)


@dataclass(frozen=True)
class StackConfig:
    store: StoreConfig
    imports: list[ImportConfig] = field(default_factory=list)
    role_arn: str | None = None
    create_role: bool = False
    regions: list[RegionConfig] = field(default_factory=list)
    secrets: frozenset[SecretPath] = frozenset()  # where the config holds secrets

    def secret(self, value: Any, *path: Any) -> Any:
        """`value` (the config's at `path`) as the program declares it: a secret where the config
        holds one, a map with only its secret values secret, else the plain value."""
        if value is None or not self.secrets:
            return value
        if any(path[:len(p)] == p for p in self.secrets):
            return pulumi.Output.secret(value)
        if isinstance(value, dict) and any(p[:len(path)] == path for p in self.secrets):
            return {k: self.secret(v, *path, k) for k, v in value.items()}
        return value

    def placements(self) -> list[RegionConfig]:
        """The first store with its imports, then each further Region's."""
        return [RegionConfig(self.store.region, self.store, self.imports), *self.regions]

    @staticmethod
    def paths(index: int) -> tuple[SecretPath, SecretPath]:
        """Where the `index`th placement's store and imports are in the config."""
        if index == 0:
            return ("store",), ("imports",)
        return ("regions", index - 1, "store"), ("regions", index - 1, "imports")


def _mapping(value: Any, key: str) -> dict:
    if not isinstance(value, dict):
        raise StackConfigError(f"{key} must be a map, got {type(value).__name__}")
    return value


def _known(value: dict, allowed: set[str], key: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise StackConfigError(
            f"{key}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


STORE_KEYS = {"id", "name", "description", "tags", "adopt_existing", "delete_adopted", "region"}
IMPORT_KEYS = {"name", "sources", "client_token", "wait_timeout_seconds", "adopt_existing",
               "poll_max_seconds", "protect", "take_over", "delete_adopted"}


def _store(raw: Any, key: str) -> StoreConfig:
    store_raw = _mapping(raw or {}, key)
    _known(store_raw, STORE_KEYS, key)
    store = StoreConfig(**store_raw)
    if not store.id and not store.name:
        raise StackConfigError(f"{key}: give `id` (an existing store) or `name` (a store to create)")
    return store


def _imports(raw: Any, key: str) -> list[ImportConfig]:
    if raw is not None and not isinstance(raw, list):
        raise StackConfigError(f"{key} must be a list of imports")
    imports = []
    for i, item in enumerate(raw or []):
        item = _mapping(item, f"{key}[{i}]")
        _known(item, IMPORT_KEYS, f"{key}[{i}]")
        if not item.get("name"):
            raise StackConfigError(f"{key}[{i}]: `name` (the Pulumi resource name) is required")
        if not isinstance(item.get("sources"), list):
            raise StackConfigError(f"{key}[{i}].sources must be a list of sources")
        sources = []
        for j, source in enumerate(item["sources"]):
            source = _mapping(source, f"{key}[{i}].sources[{j}]")
            _known(source, {"name", "source_file", "description", "tags"}, f"{key}[{i}].sources[{j}]")
            # Missing or malformed values are left to the provider's check, which names the rule.
            sources.append(SourceConfig(source.get("name"), source.get("source_file"),
                                        source.get("description"), source.get("tags")))
        imports.append(ImportConfig(item["name"], sources, item.get("client_token"),
                                    item.get("wait_timeout_seconds"), bool(item.get("adopt_existing")),
                                    item.get("poll_max_seconds"), bool(item.get("protect")),
                                    bool(item.get("take_over")), bool(item.get("delete_adopted"))))
    return imports


def _regions(raw: Any) -> list[RegionConfig]:
    if raw is not None and not isinstance(raw, list):
        raise StackConfigError("regions must be a list of {region, store, imports}")
    regions = []
    for i, item in enumerate(raw or []):
        item = _mapping(item, f"regions[{i}]")
        _known(item, {"region", "store", "imports"}, f"regions[{i}]")
        if not item.get("region"):
            raise StackConfigError(f"regions[{i}]: `region` is required (e.g. eu-west-1)")
        store = _store(item.get("store"), f"regions[{i}].store")
        if store.region not in (None, item["region"]):
            raise StackConfigError(f"regions[{i}].store.region must be {item['region']!r} or left out")
        store = dataclasses.replace(store, region=item["region"])
        imports = _imports(item.get("imports"), f"regions[{i}].imports")
        regions.append(RegionConfig(item["region"], store, imports))
    return regions


def parse(raw: dict[str, Any], secrets: frozenset[SecretPath] = frozenset()) -> StackConfig:
    """Build a StackConfig from the raw values (store, role_arn, create_role, imports, regions)
    and where they hold secrets."""
    config = StackConfig(_store(raw.get("store"), "store"), _imports(raw.get("imports"), "imports"),
                         raw.get("role_arn"), bool(raw.get("create_role")), _regions(raw.get("regions")),
                         secrets)
    if not config.role_arn and not config.create_role:
        raise StackConfigError("role_arn: give an existing service role ARN, or create_role: true")
    regions = [p.region for p in config.placements()]
    repeated = sorted({r for r in regions if r is not None and regions.count(r) > 1})
    if repeated:
        raise StackConfigError(f"regions: one store per Region, but {', '.join(repeated)} appears twice")
    names = [i.name for p in config.placements() for i in p.imports]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise StackConfigError(
            f"imports: names are Pulumi resource names and must be unique: {', '.join(repeated)}")
    return config


def load() -> StackConfig:
    """The current stack's config."""
    config = pulumi.Config()
    secret_keys = [key for key in KEYS if is_config_secret(f"{NAMESPACE}:{key}")]
    return parse({
        "store": config.get_object("store"), "role_arn": config.get("role_arn"),
        "create_role": config.get_bool("create_role"), "imports": config.get_object("imports"),
        "regions": config.get_object("regions"),
    }, secret_paths(secret_keys, _stack_file_config()))


def secret_paths(secret_keys: list[str], stack_file: dict[str, Any] | None) -> frozenset[SecretPath]:
    """Where the secret keys hold their secrets: each `secure` value that the stack's config
    file shows inside them, else (a key set whole, or config from elsewhere) the whole key."""
    found: set[SecretPath] = set()
    for key in secret_keys:
        inside = _secure((stack_file or {}).get(f"{NAMESPACE}:{key}"), (key,))
        found |= inside or {(key,)}
    return frozenset(found)


def _secure(value: Any, path: SecretPath) -> set[SecretPath]:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return {path}
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in _secure(v, (*path, k))}
    if isinstance(value, list):
        return {p for i, v in enumerate(value) for p in _secure(v, (*path, i))}
    return set()


def _stack_file_config() -> dict[str, Any] | None:
    """The `config` of the stack's settings file (Pulumi.STACK.yaml, in the project's
    `stackConfigDir`), or None where there is none to read."""
    try:
        project = yaml.safe_load(Path("Pulumi.yaml").read_text()) or {}
        folder = Path(project.get("stackConfigDir") or ".")
        settings = yaml.safe_load((folder / f"Pulumi.{pulumi.get_stack()}.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    return settings.get("config") if isinstance(settings, dict) else None
