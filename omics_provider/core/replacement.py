"""Why an import is replaced, in one line a reviewer reads: the input that changed, the S3 object
that changed (version before → after), or references deleted outside Pulumi. Used by `diff` (a
line in the preview) and by the reviewer's summary (`omics_review.review`)."""

from __future__ import annotations

from typing import Any

from ..schema import REFERENCE_SOURCE, REPLACE
from .values import GONE, is_known

# A source's inputs, beside its name, whose change imports it again.
SOURCE_FIELDS = tuple(name for name in REFERENCE_SOURCE.names(REPLACE) if name != "name")


def show(value: Any) -> str:
    """A value as a reviewer reads it."""
    return "(unknown until apply)" if not is_known(value) else "(none)" if value is None else str(value)


def why_replaced(old: dict, new: dict) -> str:
    """The reasons, `; `-separated, that an import with recorded properties `old` (its inputs or
    outputs) is replaced by one with inputs `new`."""
    reasons = []
    if not is_known(new.get("reference_store_id")):
        reasons.append("its reference store is replaced")
    elif old.get("reference_store_id") != new.get("reference_store_id"):
        reasons.append(f"store {old.get('reference_store_id')} → {new.get('reference_store_id')}")
    for key, label in (("role_arn", "service role"), ("region", "Region"), ("client_token", "client_token")):
        if old.get(key) != new.get(key) and is_known(new.get(key)):
            reasons.append(f"{label} {show(old.get(key))} → {show(new.get(key))}")
    old_sources = {s.get("name"): s for s in old.get("sources") or []}
    new_sources = {s.get("name"): s for s in new.get("sources") or []}
    added, removed = sorted(set(new_sources) - set(old_sources)), sorted(set(old_sources) - set(new_sources))
    if added:
        reasons.append(f"source {', '.join(added)} added: all {len(new_sources)} sources are imported again")
    if removed:
        reasons.append(f"source {', '.join(removed)} removed")
    for name in sorted(set(old_sources) & set(new_sources)):
        for key in SOURCE_FIELDS:
            before, after = old_sources[name].get(key), new_sources[name].get(key)
            if before != after:
                reasons.append(f"{name}: {key} {show(before)} → {show(after)}")
    old_versions = {name: o.get("version") for name, o in zip(old_sources, source_objects(old), strict=False)}
    for name, objects in zip(new_sources, source_objects(new), strict=False):
        before, after = old_versions.get(name), objects.get("version")
        if before and after and before != after and name not in added:
            reasons.append(f"the S3 object changed: {new_sources[name].get('source_file')} "
                           f"version {before} → {after}")
    gone = [f"{s.get('name')} ({s.get('reference_id')})" for s in old.get("sources") or []
            if s.get("status") in GONE]
    if gone:
        reasons.append(f"its references were deleted outside Pulumi: {', '.join(gone)}")
    if not reasons and old.get("resolved_client_token") != new.get("resolved_client_token"):
        reasons.append("an S3 object changed (its version was not recorded before 0.2.0)")
    return "; ".join(reasons) or "the provider asked for a replacement"


def source_objects(props: dict) -> list:
    """What `check` recorded of the sources' S3 objects, in the sources' order (a list, or none)."""
    objects = props.get("source_objects")
    return objects if isinstance(objects, list) else []
