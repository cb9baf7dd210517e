"""The HealthOmics API's input rules, read from botocore's service model: the single source.

Both the provider's `check` and the local endpoint's request validation call `violations()`,
so a length, pattern, enum or count limit is written down once, in botocore's
`omics/2022-11-28/service-2.json`, and nowhere in this project. Imports neither pulumi nor
the provider: the endpoint depends on this module, not on `omics_provider`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the stack program never validates: botocore loads only where it is used
    import botocore.loaders
    import botocore.session
    import regex
    from botocore.model import OperationModel, ServiceModel, Shape

SERVICE = "omics"


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (a path such as `sources[2].sourceFile`) and which rule."""

    path: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}"


def botocore_session(profile: str | None = None) -> botocore.session.Session:
    """A new botocore session (for `profile`, else the environment's) that reads service models
    through this process's one data loader, so each model file is parsed once per process."""
    import botocore.session

    session = botocore.session.Session(profile=profile)
    session.register_component("data_loader", _data_loader(session.get_config_variable("data_path")))
    return session


@cache
def _data_loader(data_path: str | None) -> botocore.loaders.Loader:
    import botocore.loaders  # caches what it reads: shared, it parses each model once

    return botocore.loaders.create_loader(data_path)


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """botocore's model of the omics API (loaded once per process)."""
    return botocore_session().get_service_model(SERVICE)


def operation(name: str) -> OperationModel:
    """The model of one operation, e.g. `StartReferenceImportJob`."""
    return service_model().operation_model(name)


@cache
def _compiled(pattern: str) -> regex.Pattern:
    import regex  # the model's patterns use \p{L} classes, which `re` lacks

    return regex.compile(pattern)


def violations(shape: Shape, value: Any, path: str = "",
               limits: Mapping[str, Mapping[str, int]] | None = None) -> Iterator[Violation]:
    """Every rule of `shape` that `value` breaks, depth first, with the path that names it.

    Patterns must match the whole value (AWS validates that way; the Smithy model leaves
    anchoring unsaid). Members that are None count as absent. `limits` adds count rules the
    documentation gives and the model lacks, by shape name (e.g. `{"TagMap": {"max": 50}}`);
    the model's own rules win.
    """
    kind = shape.type_name
    meta = {**(limits or {}).get(shape.name, {}), **shape.metadata}
    if kind == "structure":
        if not isinstance(value, dict):
            yield Violation(path or "request", "must be an object")
            return
        for name in shape.required_members:
            if value.get(name) is None:
                yield Violation(_join(path, name), "is required")
        for name, member_value in value.items():
            member = shape.members.get(name)
            if member is None:
                yield Violation(_join(path, name), "is not a known field")
            elif member_value is not None:
                yield from violations(member, member_value, _join(path, name), limits)
    elif kind == "list":
        if not isinstance(value, list):
            yield Violation(path, "must be a list")
            return
        yield from _count_rule(meta, len(value), path, "items")
        for i, item in enumerate(value):
            yield from violations(shape.member, item, f"{path}[{i}]", limits)
    elif kind == "map":
        if not isinstance(value, dict):
            yield Violation(path, "must be a map")
            return
        yield from _count_rule(meta, len(value), path, "entries")
        for key, item in value.items():
            yield from violations(shape.key, key, f"{path} key {key!r}", limits)
            yield from violations(shape.value, item, f"{path}[{key!r}]", limits)
    elif kind == "string":
        if not isinstance(value, str):
            yield Violation(path, "must be a string")
            return
        yield from _count_rule(meta, len(value), path, "characters")
        if "enum" in meta and value not in meta["enum"]:
            yield Violation(path, f"must be one of {', '.join(meta['enum'])}")
        pattern = meta.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            yield Violation(path, f"must match the pattern {pattern}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            yield Violation(path, "must be an integer")
            return
        if "min" in meta and value < meta["min"]:
            yield Violation(path, f"must be at least {meta['min']}")
        if "max" in meta and value > meta["max"]:
            yield Violation(path, f"must be at most {meta['max']}")
    elif kind == "timestamp":
        if not isinstance(value, (dt.datetime, int, float, str)):
            yield Violation(path, "must be a timestamp")
    elif kind == "boolean" and not isinstance(value, bool):
        yield Violation(path, "must be true or false")


def _count_rule(meta: dict, count: int, path: str, unit: str) -> Iterator[Violation]:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and high is not None and not low <= count <= high:
        yield Violation(path, f"must have {low} to {high} {unit} (has {count})")
    elif low is not None and count < low:
        yield Violation(path, f"must have at least {low} {unit} (has {count})")
    elif high is not None and count > high:
        yield Violation(path, f"must have at most {high} {unit} (has {count})")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
