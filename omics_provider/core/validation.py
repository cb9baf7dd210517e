"""Input checks for `check`: the service model's rules (omics_rules) plus the few the
model does not carry, one validation per resource (`import_failures`, `store_failures`) that
returns every failure. One failure per problem, a (field path, rule) pair named by the
provider's own field path, such as `sources[2].source_file`; each face turns them into its own
failure type. No API call is made here."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from omics_rules import service_model
from omics_rules.quotas import MAX_TAGS

from ..schema import REFERENCE_IMPORT_JOB, REFERENCE_STORE, SETTING, Shape, provider_path, wire_names
from . import hidden, ownership
from .values import is_known

Failure = tuple[str, str]  # (the input's path, the rule it breaks)


def to_api(value: Any, shape: Shape) -> Any:
    """Inputs of `shape` (an object, or a list of them) -> the API request's members: named as the
    API names them, through the declared types, with None and unknown values left out of every
    object; tag maps are kept whole."""
    return wire_names(value, shape, keep=_sent)


def _sent(value: Any) -> bool:
    return value is not None and is_known(value)


@cache  # loads the service model: on the first check, not when a stack program imports the provider
def _api_members(operation: str, shape: Shape) -> tuple[str, ...]:
    """The inputs of `shape` that are members of the operation's request."""
    members = service_model.operation(operation).input_shape.members
    return tuple(name for name in shape.inputs if shape.to_wire[name][0] in members)


def import_failures(olds: dict, news: dict) -> list[Failure]:
    """Every failure of an import's inputs `news` (`olds`: as the state records them): the
    model's rules, source names unique within the job, each source's tags (never the owner
    mark's key; at most 49 beside the mark), positive wait settings, a Region's spelling."""
    failures = _model_failures("StartReferenceImportJob", news, REFERENCE_IMPORT_JOB)
    sources = news.get("sources")
    if isinstance(sources, list):
        names = [s.get("name") for s in sources if isinstance(s, dict) and is_known(s.get("name"))]
        for i, source in enumerate(sources):
            if not isinstance(source, dict):
                continue
            if source.get("name") is not None and names.count(source.get("name")) > 1:
                failures.append((f"sources[{i}].name", f"{source['name']!r} is used by more than one "
                                 "source; names must be unique within a job"))
            failures += _source_tag_failures(olds, source, f"sources[{i}].tags")
    for name in _WAIT_FIELDS:
        failures += _positive_number(news, name)
    return failures + _region_failures(news.get("region"))


def store_failures(news: dict) -> list[Failure]:
    """Every failure of a store's inputs: the model's rules, at most 50 tags, a Region's spelling."""
    failures = _model_failures("CreateReferenceStore", news, REFERENCE_STORE)
    return failures + _tag_failures(news.get("tags"), "tags") + _region_failures(news.get("region"))


def _source_tag_failures(olds: dict, source: dict, path: str) -> list[Failure]:
    """A source's tags: never the owner mark's key; at most 49 (the mark is the 50th), or 50 for
    a source whose import, made before owner marks, already has more than 49."""
    tags = source.get("tags")
    if not isinstance(tags, dict):
        return []
    if ownership.KEY in tags:
        return [(path, f"{ownership.KEY!r} is reserved for the owner mark this provider puts on each "
                       "reference it imports; use another key")]
    before = {s.get("name"): s.get("tags") or {} for s in olds.get("sources") or []}
    legacy = len(before.get(source.get("name"), {})) > ownership.MAX_USER_TAGS
    return _tag_failures(tags, path, most=MAX_TAGS if legacy else ownership.MAX_USER_TAGS)


def _model_failures(operation: str, inputs: dict, shape: Shape) -> list[Failure]:
    """The operation's model rules for the inputs of `shape` it takes (unknown values are skipped)."""
    request = to_api({k: inputs.get(k) for k in _api_members(operation, shape)}, shape)
    model = service_model.operation(operation).input_shape
    failures = []
    for violation in service_model.violations(model, request):
        # A required member that is unknown at preview is not missing.
        if violation.rule == "is required" and not is_known(hidden.at(inputs, provider_path(violation.path))):
            continue
        failures.append((provider_path(violation.path), violation.rule))
    return failures


def _tag_failures(tags: Any, path: str, most: int = MAX_TAGS) -> list[Failure]:
    """At most `most` tags (50: HealthOmics' quota, not in the model)."""
    if isinstance(tags, dict) and len(tags) > most:
        extra = "" if most == MAX_TAGS else f"; the {MAX_TAGS}th is the owner mark"
        return [(path, f"must have at most {most} tags (has {len(tags)}{extra})")]
    return []


def _positive_number(inputs: dict, name: str) -> list[Failure]:
    """An optional setting that, when given, is a number above zero."""
    value = inputs.get(name)
    if value is None or not is_known(value):
        return []
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return [(name, f"must be a number above 0 (got {value!r})")]
    return []


REGION_PATTERN = re.compile(r"[a-z]{2,}(-[a-z0-9]+)*-\d+")


def _region_failures(region: Any, path: str = "region") -> list[Failure]:
    """An optional Region that, when given, is spelled like one (`eu-west-1`)."""
    if region is None or not is_known(region):
        return []
    if not isinstance(region, str) or not REGION_PATTERN.fullmatch(region):
        return [(path, f"must be an AWS Region such as eu-west-1 (got {region!r})")]
    return []


_WAIT_FIELDS = tuple(p.name for p in REFERENCE_IMPORT_JOB.properties
                     if p.kind == SETTING and p.type == "number")  # seconds: above 0 when given
