"""Secret values kept out of what the provider says: its messages, failures and errors show
each as `[secret]`.

The native plugin learns which values are secret from the engine (`wire.read`). The
engine strips secrets before a dynamic provider sees its inputs, so the dynamic
`ReferenceImportJob` records where its program gave secrets in the input `secret_inputs`
(paths such as `role_arn` or `sources[0].tags.billing`), which `of_dynamic` reads back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_INPUTS = "secret_inputs"
_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


class Secrets:
    """Secret values, and (for the native plugin) the paths in the core's dict that held them,
    which `wire.to_wire` marks secret again."""

    def __init__(self, values: Iterable[str] = (), paths: Iterable[tuple] = ()) -> None:
        self.values, self.paths = frozenset(v for v in values if v), frozenset(paths)

    def __bool__(self) -> bool:
        return bool(self.paths or self.values)

    def __or__(self, other: Secrets) -> Secrets:
        return Secrets(self.values | other.values, self.paths | other.paths)

    def redact(self, message: str) -> str:
        """`message` with every secret value (longest first) shown as `[secret]`; a value of
        under 4 characters only where it stands alone (a secret `1` leaves job ids readable)."""
        for value in sorted(self.values, key=len, reverse=True):
            if len(value) >= 4:
                message = message.replace(value, "[secret]")
            else:
                message = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "[secret]", message)
        return message


NO_SECRETS = Secrets()


def strings(value: Any) -> list[str]:
    """Every string in `value` (a map's keys too), as a message could show it."""
    if isinstance(value, Mapping):
        return [s for k, v in value.items() for s in (str(k), *strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in strings(v)]
    return [] if value is None or isinstance(value, bool) else [str(value)]


def at(props: Mapping[str, Any], path: str) -> Any:
    """The value at `path` (`sources[0].tags.billing`) in `props`, or None."""
    value: Any = props
    for index, key in _STEP.findall(path):
        if index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        elif key and isinstance(value, Mapping):
            value = value.get(key)
        else:
            return None
    return value


def of_dynamic(*props: Any) -> Secrets:
    """The secret values of the dynamic provider's `props` (inputs or outputs), by the paths
    each records in `secret_inputs`."""
    values: list[str] = []
    for each in props:
        if isinstance(each, Mapping) and isinstance(each.get(SECRET_INPUTS), list):
            values += [s for path in each[SECRET_INPUTS] for s in strings(at(each, str(path)))]
    return Secrets(values)


class HiddenLog:
    """A log (info, warn) that shows `secrets`' values as `[secret]`."""

    def __init__(self, log: Any, secrets: Secrets) -> None:
        self.log, self.secrets = log, secrets

    def info(self, message: str) -> None:
        self.log.info(self.secrets.redact(message))

    def warn(self, message: str) -> None:
        self.log.warn(self.secrets.redact(message))
