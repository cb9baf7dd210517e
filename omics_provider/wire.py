"""The native plugin's wire form and the core's plain dicts, both ways, by the declared schema:
camelCase names (`referenceStoreId`, `sources[0].sourceFile`) for snake_case ones, numbers as
floats, unknowns as the protocol's unknown string (the SDK's `Computed` cannot be marshalled in
pulumi 3.272), and secrets unwrapped (nothing here is secret)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi.provider.experimental.property_value import Computed, PropertyValue

from .schema import SOURCE_OBJECT, SSE_CONFIG, TYPES, Shape
from .values import UNKNOWN

_SHAPES = {shape.name: shape for shape in (*TYPES, SOURCE_OBJECT, SSE_CONFIG)}


def _nested(type_: str) -> Shape | None:
    return _SHAPES.get(type_.removesuffix("[]"))


def to_plain(props: Mapping[str, PropertyValue], shape: Shape) -> dict:
    """Wire properties -> the core's dict (properties the shape does not declare are dropped)."""
    by_wire = shape.by_wire_name
    plain = {}
    for key, value in props.items():
        prop = by_wire.get(key)
        if prop is not None:
            plain[prop.name] = plain_value(value, _nested(prop.type))
    return plain


def plain_value(value: PropertyValue, shape: Shape | None) -> Any:
    """One wire value as the core holds it (`shape`: the declared type of an object in it)."""
    raw = value.value
    if type(raw) is str:  # most values: skip the abstract-class checks below
        return raw
    if isinstance(raw, Computed):
        return UNKNOWN
    if isinstance(raw, Mapping):
        return to_plain(raw, shape) if shape else {k: plain_value(v, None) for k, v in raw.items()}
    if isinstance(raw, tuple | list):
        return [plain_value(v, shape) for v in raw]
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)  # the wire carries every number as a float
    return raw


def to_wire(plain: Mapping[str, Any], shape: Shape) -> dict[str, PropertyValue]:
    """The core's dict -> wire properties (keys the shape does not declare are dropped)."""
    return {p.wire_name: _wire(plain[p.name], _nested(p.type)) for p in shape.properties if p.name in plain}


def _wire(value: Any, shape: Shape | None) -> PropertyValue:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return PropertyValue(value)
    if isinstance(value, int | float):
        return PropertyValue(float(value))
    if isinstance(value, Mapping):
        if shape:
            return PropertyValue(to_wire(value, shape))
        return PropertyValue({k: _wire(v, None) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return PropertyValue([_wire(v, shape) for v in value])
    return PropertyValue(str(value))


def wire_path(path: str, shape: Shape) -> str:
    """`sources[2].source_file` -> `sources[2].sourceFile` (a map key after ` key ` is kept)."""
    head, sep, tail = path.partition(" key ")
    names = {p.name: p.wire_name for s in (shape, *_SHAPES.values()) for p in s.properties}
    return re.sub(r"[a-z_]+", lambda m: names.get(m[0], m[0]), head) + sep + tail
