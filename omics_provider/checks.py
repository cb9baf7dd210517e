"""Input checks for `check`: the service model's rules (omics_rules) plus the few the
model does not carry. One failure per problem, a (field path, rule) pair named by the provider's
own field path, such as `sources[2].source_file`; each face turns them into its own failure
type. No API call is made here."""

from __future__ import annotations

import re
from typing import Any

from omics_rules import service_model
from omics_rules.quotas import MAX_TAGS

from . import hidden
from .schema import WIRE_NAMES, provider_path
from .values import is_known

Failure = tuple[str, str]  # (the input's path, the rule it breaks)

def to_api(value: Any) -> Any:
    """Input names -> API member names, recursively; unknown values and None are left out.
    Tag maps keep their keys."""
    if isinstance(value, dict):
        return {
            WIRE_NAMES.get(k, k): (v if k == "tags" else to_api(v))
            for k, v in value.items() if v is not None and is_known(v)
        }
    if isinstance(value, list):
        return [to_api(v) for v in value]
    return value


def api_members(operation: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """The inputs among `names` that are members of the operation's request."""
    members = service_model.operation(operation).input_shape.members
    return tuple(n for n in names if WIRE_NAMES.get(n, n) in members)


def model_failures(operation: str, inputs: dict, fields: tuple[str, ...]) -> list[Failure]:
    """The operation's model rules for the given input fields (unknown values are skipped)."""
    request = to_api({k: inputs.get(k) for k in fields})
    shape = service_model.operation(operation).input_shape
    failures = []
    for violation in service_model.violations(shape, request):
        # A required member that is unknown at preview is not missing.
        if violation.rule == "is required" and not is_known(hidden.at(inputs, provider_path(violation.path))):
            continue
        failures.append((provider_path(violation.path), violation.rule))
    return failures


def tag_failures(tags: Any, path: str, most: int = MAX_TAGS) -> list[Failure]:
    """At most `most` tags (50: HealthOmics' quota, not in the model)."""
    if isinstance(tags, dict) and len(tags) > most:
        extra = "" if most == MAX_TAGS else f"; the {MAX_TAGS}th is the owner mark"
        return [(path, f"must have at most {most} tags (has {len(tags)}{extra})")]
    return []


def positive_number(inputs: dict, name: str) -> list[Failure]:
    """An optional setting that, when given, is a number above zero."""
    value = inputs.get(name)
    if value is None or not is_known(value):
        return []
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return [(name, f"must be a number above 0 (got {value!r})")]
    return []


REGION_PATTERN = re.compile(r"[a-z]{2,}(-[a-z0-9]+)*-\d+")


def region_failures(region: Any, path: str = "region") -> list[Failure]:
    """An optional Region that, when given, is spelled like one (`eu-west-1`)."""
    if region is None or not is_known(region):
        return []
    if not isinstance(region, str) or not REGION_PATTERN.fullmatch(region):
        return [(path, f"must be an AWS Region such as eu-west-1 (got {region!r})")]
    return []
