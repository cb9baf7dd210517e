"""The native plugin's wire form and the core's plain dicts, both ways, by the declared schema:
camelCase names (`referenceStoreId`, `sources[0].sourceFile`) for snake_case ones, numbers as
floats, unknowns as the protocol's unknown string. Secrets are unwrapped for the core, which
never sees which values were secret, and wrapped again on the way out at the same paths
(`Secrets`): a secret tag stays secret in the checked inputs, the outputs and the state, and
the rest of the import (its reference ids) stays plain.

The wire form is the protocol's own protobuf `Struct`, read and written here directly rather
than through the SDK's `PropertyValue`: every request of a preview passes through this module,
and building the SDK's objects for each costs a large preview noticeably more than this walk
(the figures are in bench/RESULTS.md)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2

from ..core.hidden import NO_SECRETS, Secrets, strings
from ..schema import Shape, wire_names

# The protocol's marks of a special object, and of a secret (pulumi.runtime.rpc's).
_SIG_KEY, _SECRET_SIG = "4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"


Path = tuple  # plain names, map keys, and for a list element its `name` (("name", x)) or its index
# A path while walking: (parent link, key) pairs from the root (None), made flat only for a secret.
_Link = tuple | None


def read(props: struct_pb2.Struct, shape: Shape) -> tuple[dict, Secrets]:
    """Wire properties -> the core's dict (properties the shape does not declare are dropped),
    and the paths in it that were secret with their values, in one walk."""
    found: list[tuple[Path, Any]] = []  # (path, plain value) of each secret
    plain = _plain_struct(props, shape, None, found)
    if not found:
        return plain, NO_SECRETS
    return plain, Secrets([s for _, value in found for s in strings(value)], [path for path, _ in found])


def to_plain(props: struct_pb2.Struct, shape: Shape) -> dict:
    """Wire properties -> the core's dict, without the secrets' paths."""
    return _plain_struct(props, shape, None, [])


def plain_value(value: struct_pb2.Value, shape: Shape | None) -> Any:
    """One wire value as the core holds it (`shape`: the declared type of an object in it)."""
    return _plain(value, shape, None, None, [])


def _plain_struct(props: struct_pb2.Struct, shape: Shape, path: _Link, found: list) -> dict:
    renames = shape.to_provider
    plain = {}
    for key, value in props.fields.items():
        if key in renames:
            name, inner = renames[key]
            plain[name] = _plain(value, inner, path, name, found)
    return plain


def _plain(value: struct_pb2.Value, shape: Shape | None, path: _Link, key: Any, found: list) -> Any:
    """The wire value at `path` + `key`, as the core holds it; each secret in it is added to
    `found` (a secret's own value is not searched for more)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":  # an unknown stays the protocol's unknown string (values.UNKNOWN)
        return value.string_value
    if kind == "struct_value":
        fields = value.struct_value.fields
        special = fields[_SIG_KEY].string_value if _SIG_KEY in fields else None
        if special == _SECRET_SIG and "value" in fields:
            inner = _plain(fields["value"], shape, path, key, [])
            found.append((_path((path, key)), inner))
            return inner
        if special is not None:  # an asset or archive: checks refuse it
            return {k: _plain(v, None, None, k, []) for k, v in fields.items()}
        here = (path, key)
        if shape:
            return _plain_struct(value.struct_value, shape, here, found)
        return {k: _plain(v, None, here, k, found) for k, v in fields.items()}  # a map
    if kind == "list_value":
        here = (path, key)
        items = []
        for i, item in enumerate(value.list_value.values):
            before = len(found)
            plain = _plain(item, shape, here, i, found)
            element = _element(plain, i)
            if len(found) > before and element != i:  # a secret in a named element: its place is the name
                at = len(_path(here))
                found[before:] = [((*p[:at], element, *p[at + 1:]), v) for p, v in found[before:]]
            items.append(plain)
        return items
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() else number  # the wire carries every number as a float
    if kind == "bool_value":
        return value.bool_value
    return None


def _path(link: _Link) -> Path:
    """The path a chain of (parent, key) links stands for."""
    keys = []
    while link is not None:
        link, key = link
        keys.append(key)
    return tuple(reversed(keys))


def _element(item: Any, index: int) -> Any:
    """A list element's place in a path: its `name` when it has a plain one (sources keep their
    secrets when the outputs list them in another order), else its index."""
    name = item.get("name") if isinstance(item, Mapping) else None
    return ("name", name) if isinstance(name, str) else index


def to_wire(plain: Mapping[str, Any], shape: Shape, secrets: Secrets = NO_SECRETS) -> struct_pb2.Struct:
    """The core's dict -> wire properties (keys the shape does not declare are dropped), the
    values at `secrets`' paths marked secret."""
    struct = struct_pb2.Struct()
    wired = wire_names(plain, shape, _wire_scalar, drop_undeclared=True)
    if secrets:
        wired = _mark(plain, wired, shape, (), secrets.paths)
    struct.update(wired)
    return struct


def _mark(plain: Any, wired: Any, shape: Shape | None, path: Path, secret: frozenset) -> Any:
    """`wired` (the wire form of `plain` at `path`) with each secret path's value wrapped."""
    if path in secret:
        return {_SIG_KEY: _SECRET_SIG, "value": wired}
    if not any(p[:len(path)] == path for p in secret):
        return wired
    if isinstance(plain, Mapping) and isinstance(wired, dict):
        renames = shape.to_wire if shape else {}
        marked = dict(wired)
        for key, value in plain.items():
            wire_key, inner = renames.get(key, (key, None))
            if wire_key in wired:
                marked[wire_key] = _mark(value, wired[wire_key], inner, (*path, key), secret)
        return marked
    if isinstance(plain, list | tuple) and isinstance(wired, list):
        return [_mark(item, w, shape, (*path, _element(item, i)), secret)
                for i, (item, w) in enumerate(zip(plain, wired, strict=True))]
    return wired


def _wire_scalar(value: Any) -> Any:
    """A value that is neither an object nor a list, as the wire holds it: every number a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return str(value)
